-- The console front's record of the announcements and reminders it has printed, by ledger key.
-- The announcer resends what was still 'sending' when the bot died (same key); Discord (nonce)
-- and Matrix (transaction id) drop such a copy, and this table lets the console do the same.
CREATE TABLE console_printed (
    key TEXT PRIMARY KEY,
    printed_at TEXT NOT NULL
) WITHOUT ROWID;
