-- PLACEHOLDER on branch `polls` only: keeps migrations numbered without gaps while another
-- branch owns 0002. The lead replaces this file with that branch's 0002 at merge.
SELECT 1;
