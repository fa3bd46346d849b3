-- Open-space proposals (the Hub's expression-of-interest form), their review and notices.
-- Times are ISO-8601 UTC text. Hosts are keyed by front and id, like users.

CREATE TABLE proposals (
    id            INTEGER PRIMARY KEY,
    front         TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    lang          TEXT NOT NULL,                 -- the host's language when they submitted
    host_name     TEXT NOT NULL,
    organisation  TEXT NOT NULL,
    title         TEXT NOT NULL,
    title_key     TEXT NOT NULL,                 -- folded title: duplicates by one host refused
    description   TEXT NOT NULL,
    slot          TEXT NOT NULL,                 -- preferred hub slot (session id)
    language      TEXT NOT NULL,                 -- the session's language: es, en or fr
    capitals      TEXT NOT NULL,                 -- comma-separated: human,social,...
    format        TEXT NOT NULL,
    cohosts       TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'changes_requested', 'approved', 'rejected',
                                    'withdrawn')),
    approved_slot TEXT,
    reason        TEXT,                          -- the last decision's reason, sent to the host
    decided_by    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    decided_at    TEXT
);
CREATE UNIQUE INDEX proposals_one_title_per_host
    ON proposals (front, user_id, title_key) WHERE status <> 'withdrawn';
CREATE INDEX proposals_by_host ON proposals (front, user_id);
CREATE INDEX proposals_by_status ON proposals (status, approved_slot);

-- Unfinished forms: what a host has typed so far (target 0: a new proposal; else the id being
-- edited). ``step`` is set while a step-by-step conversation (console, Matrix) is in progress.
CREATE TABLE proposal_drafts (
    front      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    target     INTEGER NOT NULL DEFAULT 0,
    answers    TEXT NOT NULL,                    -- JSON object: field key -> text
    step       INTEGER,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (front, user_id, target)
) WITHOUT ROWID;

-- Decisions to tell hosts about, written in the decision's transaction and delivered by the
-- host's front (a private message), so a restart never loses one.
CREATE TABLE proposal_notices (
    id           INTEGER PRIMARY KEY,
    proposal_id  INTEGER NOT NULL REFERENCES proposals (id),
    front        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    event        TEXT NOT NULL,                  -- approved, rejected, changes_requested
    created_at   TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT
);
CREATE INDEX proposal_notices_undelivered ON proposal_notices (front, delivered_at);

-- Every decision queues its notice in the same statement, so none can be lost or forgotten.
CREATE TRIGGER proposals_decision_notice
AFTER UPDATE OF status ON proposals
WHEN NEW.status IN ('approved', 'rejected', 'changes_requested') AND NEW.status <> OLD.status
BEGIN
    INSERT INTO proposal_notices (proposal_id, front, user_id, event, created_at)
    VALUES (NEW.id, NEW.front, NEW.user_id, NEW.status, NEW.decided_at);
END;

-- Where each proposal's review card was posted (Discord: channel and message ids), and which
-- version of the proposal it shows.
CREATE TABLE proposal_reviews (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    front       TEXT NOT NULL,
    room        TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    shown       TEXT NOT NULL,                   -- the proposal's updated_at when last shown
    PRIMARY KEY (proposal_id, front)
) WITHOUT ROWID;

-- Moderators' switches (window = open / closed; absent: follow the configured dates).
CREATE TABLE proposal_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
