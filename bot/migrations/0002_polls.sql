-- Live polls (issue 5). A poll's question is kept as a snapshot of its text in every language
-- (JSON), so a later edit of schedule.yaml never changes what was asked.
CREATE TABLE polls (
    id           INTEGER PRIMARY KEY,
    front        TEXT NOT NULL,             -- where it was started: discord, console, matrix
    created_by   TEXT NOT NULL,             -- front:user id of the moderator
    session_id   TEXT,                      -- programme session, for key statements/messages
    source       TEXT NOT NULL,             -- statement | message | custom
    source_index INTEGER,                   -- 0-based index in the session's list
    question     TEXT NOT NULL,             -- JSON {"es": …, "en": …, "fr": …} or {"*": custom}
    scale        TEXT NOT NULL,             -- agree | yesno | custom
    options      TEXT NOT NULL DEFAULT '[]',-- JSON list of the custom options
    hide_results INTEGER NOT NULL DEFAULT 0,
    lang         TEXT NOT NULL,             -- language of the public poll message
    created_at   TEXT NOT NULL,             -- UTC ISO-8601
    closes_at    TEXT,                      -- timer, UTC ISO-8601
    closed_at    TEXT,
    closed_by    TEXT,                      -- front:user id, or "timer"
    channel_id   TEXT,                      -- where the front showed the poll message
    message_id   TEXT
);

-- One row per voter and poll: the primary key is what enforces one vote each. Voter ids are
-- never shown or exported; results are counts only.
CREATE TABLE poll_votes (
    poll_id INTEGER NOT NULL REFERENCES polls (id),
    voter   TEXT NOT NULL,                  -- front:user id
    choice  INTEGER NOT NULL,               -- 0-based option index
    PRIMARY KEY (poll_id, voter)
) WITHOUT ROWID;
