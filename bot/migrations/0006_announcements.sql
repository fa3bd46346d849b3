-- Announcements and reminders (bot/announce). Who follows what, which deliveries went out, and
-- which users cannot be written to privately.

-- A follow: one session, every session of a kind, or all sessions (target '' for 'all').
-- ``since``: reminders due before this instant are not sent (a follow made mid-forum does not
-- bring reminders for what already began).
CREATE TABLE announce_follows (
    front        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    target_type  TEXT NOT NULL CHECK (target_type IN ('session', 'kind', 'all')),
    target       TEXT NOT NULL,
    lead_minutes INTEGER NOT NULL CHECK (lead_minutes >= 0),
    since        TEXT NOT NULL,
    -- the platform's language hint when they followed (Discord client locale), used for the
    -- reminder when they never chose a language with /language
    locale       TEXT,
    PRIMARY KEY (front, user_id, target_type, target)
) WITHOUT ROWID;

-- The delivery ledger: one row per announcement, reminder or change notice, by stable key
-- (ann:… rem:… chg:…). A row is written as 'sending' and committed *before* the message is sent,
-- then marked 'sent' (or 'failed'); 'skipped' records what fell due while the bot was down for
-- longer than the grace.
CREATE TABLE announce_ledger (
    key        TEXT PRIMARY KEY,
    front      TEXT NOT NULL,
    target     TEXT NOT NULL,
    session_id TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'skipped', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    detail     TEXT
) WITHOUT ROWID;

-- Users whose private messages are closed (Discord error 50007…): noted once, never retried
-- until they use a reminder command again.
CREATE TABLE announce_closed_dms (
    front    TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    noted_at TEXT NOT NULL,
    reason   TEXT NOT NULL,
    PRIMARY KEY (front, user_id)
) WITHOUT ROWID;

-- Small named values: 'watermark' = the clock instant up to which due deliveries were handled.
CREATE TABLE announce_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
