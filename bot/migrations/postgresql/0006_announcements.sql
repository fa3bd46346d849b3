-- Announcements and reminders (bot/announce). Who follows what, which deliveries went out, and
-- which users cannot be written to privately. (PostgreSQL twin of ../0006_announcements.sql.)

-- A follow: one session, every session of a kind, or all sessions (target '' for 'all').
-- ``since``: reminders due before this instant are not sent.
CREATE TABLE announce_follows (
    front        TEXT COLLATE "C" NOT NULL,
    user_id      TEXT COLLATE "C" NOT NULL,
    target_type  TEXT COLLATE "C" NOT NULL CHECK (target_type IN ('session', 'kind', 'all')),
    target       TEXT COLLATE "C" NOT NULL,
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes >= 0),
    since        TEXT COLLATE "C" NOT NULL,
    -- the platform's language hint when they followed (Discord client locale)
    locale       TEXT COLLATE "C",
    PRIMARY KEY (front, user_id, target_type, target)
);

-- The delivery ledger: one row per announcement, reminder or change notice, by stable key
-- (ann:… rem:… chg:…). A row is written as 'sending' and committed *before* the message is sent,
-- then marked 'sent' (or 'failed'); 'skipped' records what fell due while the bot was down.
CREATE TABLE announce_ledger (
    key        TEXT COLLATE "C" PRIMARY KEY,
    front      TEXT COLLATE "C" NOT NULL,
    target     TEXT COLLATE "C" NOT NULL,
    session_id TEXT COLLATE "C" NOT NULL,
    due_at     TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL CHECK (status IN ('sending', 'sent', 'skipped', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT COLLATE "C" NOT NULL,
    detail     TEXT COLLATE "C"
);

-- Users whose private messages are closed (Discord error 50007…): noted once, never retried
-- until they use a reminder command again.
CREATE TABLE announce_closed_dms (
    front    TEXT COLLATE "C" NOT NULL,
    user_id  TEXT COLLATE "C" NOT NULL,
    noted_at TEXT COLLATE "C" NOT NULL,
    reason   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (front, user_id)
);

-- Small named values: 'watermark' = the clock instant up to which due deliveries were handled.
CREATE TABLE announce_meta (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
