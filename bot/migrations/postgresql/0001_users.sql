-- Per-user settings. Users are keyed by front and id so Discord and Matrix users never collide.
-- (PostgreSQL twin of ../0001_users.sql.)
CREATE TABLE users (
    front      TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    zone       TEXT COLLATE "C",
    language   TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (front, user_id)
);
