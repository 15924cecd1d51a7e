-- Calls by the time they were written: what MatchCalls' copy of the open calls reads
-- again when calls change.
CREATE INDEX calls_update_time ON calls (update_time);
