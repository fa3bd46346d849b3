-- PLACEHOLDER on branch `proposals` only: migration number 0002 belongs to another feature branch.
-- The lead engineer replaces this file with that branch's real 0002 migration at merge.
SELECT 1;
