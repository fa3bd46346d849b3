-- One post for many (issue 14): a follow can ask for a private message whatever the session's
-- delivery mode (/remind SESSION dm). Sessions delivered to a group (a thread, mentions in the
-- channel) otherwise reach their followers with one post; the group's id is kept in
-- announce_meta ('group:<front>:<mode>:<session>:<start>') and each follower added to it is a
-- 'mem:…' row of the delivery ledger.
ALTER TABLE announce_follows ADD COLUMN dm INTEGER NOT NULL DEFAULT 0 CHECK (dm IN (0, 1));
