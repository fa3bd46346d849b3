-- The Matrix front's own state (fronts/matrix): where sync resumes, the commands already handled
-- (with the reply they got, so a resend after a reconnect is the same message), and the
-- direct-message room the bot uses for each user.
CREATE TABLE matrix_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE matrix_events (
    event_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    -- JSON list of [event type, content] the bot sends in answer; NULL once sent (done = 1).
    reply TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    handled_at TEXT NOT NULL
);

CREATE TABLE matrix_direct (
    user_id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
