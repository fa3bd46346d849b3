-- Subscribable calendars (`/ics feed`): one secret token per user of a front. The calendar app
-- fetches <base_url>/feed/<token>.ics; `/ics feed reset` replaces the token (the old URL stops).
CREATE TABLE ics_feeds (
    front TEXT NOT NULL,
    user_id TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (front, user_id)
) WITHOUT ROWID;
