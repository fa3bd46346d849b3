-- The console front's record of the announcements and reminders it has printed, by ledger key.
-- (PostgreSQL twin of ../0008_console_printed.sql.)
CREATE TABLE console_printed (
    key TEXT COLLATE "C" PRIMARY KEY,
    printed_at TEXT COLLATE "C" NOT NULL
);
