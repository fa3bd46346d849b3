-- Polls (issue 5): a closed poll keeps its final counts here (JSON list, one count per option)
-- and its voters' ids are deleted in the same transaction: voter ids are kept only to enforce
-- one vote each while the poll is open. (PostgreSQL twin of ../0005_poll_final_counts.sql.)
ALTER TABLE polls ADD COLUMN final_counts TEXT COLLATE "C";
