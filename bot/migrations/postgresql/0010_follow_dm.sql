-- One post for many (issue 14): a follow can ask for a private message whatever the session's
-- delivery mode (/remind SESSION dm). (PostgreSQL twin of ../0010_follow_dm.sql.)
ALTER TABLE announce_follows ADD COLUMN dm INTEGER NOT NULL DEFAULT 0 CHECK (dm IN (0, 1));
