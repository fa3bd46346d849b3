"""The PostgreSQL twins of the SQLite migrations one folder up: same numbers, names, tables,
columns and constraints, so the same SQL (``?`` rewritten to ``$n``) runs on both. Each file runs
whole in one transaction (PL/pgSQL bodies are dollar-quoted: send a file as one script, never
split it on ``;``). Text is ``COLLATE "C"``: bytewise, as SQLite compares and sorts, whatever the
database's default locale. Timestamps stay ISO-8601 UTC text and flags INTEGER 0/1."""
