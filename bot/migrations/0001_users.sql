-- Per-user settings. Users are keyed by front and id so Discord and Matrix users never collide.
CREATE TABLE users (
    front      TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    zone       TEXT,
    language   TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (front, user_id)
) WITHOUT ROWID;
