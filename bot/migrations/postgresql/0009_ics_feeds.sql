-- Subscribable calendars (`/ics feed`): one secret token per user of a front.
-- (PostgreSQL twin of ../0009_ics_feeds.sql.)
CREATE TABLE ics_feeds (
    front TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    token TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (front, user_id)
);
