-- Calendar export and Discord scheduled events (bot/calendar.py, bot/events.py).
-- Times are ISO-8601 UTC text. (PostgreSQL twin of ../0004_scheduled_events.sql.)

-- One row per session ever exported or synced: a counter that grows each time what a calendar
-- shows of the session (times, texts, places) changes, so an .ics re-import updates the event
-- (iCalendar SEQUENCE) and LAST-MODIFIED says when it changed.
CREATE TABLE session_revisions (
    session_id   TEXT COLLATE "C" PRIMARY KEY,
    fingerprint  TEXT COLLATE "C" NOT NULL,
    sequence     INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    changed_at   TEXT COLLATE "C" NOT NULL
);

-- The Discord scheduled event made for a session in a server, and a fingerprint of what was
-- sent, so that a second sync edits only what changed and never creates a duplicate.
CREATE TABLE scheduled_events (
    guild_id     TEXT COLLATE "C" NOT NULL,
    session_id   TEXT COLLATE "C" NOT NULL,
    event_id     TEXT COLLATE "C" NOT NULL,
    fingerprint  TEXT COLLATE "C" NOT NULL,
    synced_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, session_id)
);
CREATE UNIQUE INDEX scheduled_events_by_event ON scheduled_events (guild_id, event_id);
