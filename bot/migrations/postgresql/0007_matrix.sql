-- The Matrix front's own state (fronts/matrix): where sync resumes, the commands already handled
-- (with the reply they got), and the direct-message room the bot uses for each user.
-- (PostgreSQL twin of ../0007_matrix.sql.)
CREATE TABLE matrix_state (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE matrix_events (
    event_id TEXT COLLATE "C" PRIMARY KEY,
    room_id TEXT COLLATE "C" NOT NULL,
    -- JSON list of [event type, content] the bot sends in answer; NULL once sent (done = 1).
    reply TEXT COLLATE "C",
    done INTEGER NOT NULL DEFAULT 0,
    handled_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE matrix_direct (
    user_id TEXT COLLATE "C" PRIMARY KEY,
    room_id TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
