-- A registration's seat step, the least a registration must do: the event's seat row
-- taken if it has room, and the registration inserted, committed together. For one of
-- the events first_event..last_event (pgbench -D first_event=1 -D last_event=50; 0 and
-- 0 for the hot event).
\set event random(:first_event, :last_event)
\set n random(1, 2000000000)
BEGIN;
UPDATE seats SET taken = taken + 1 WHERE event_id = :event AND taken < capacity;
INSERT INTO registrations (event_id, email)
  VALUES (:event, 'p' || :client_id || '.' || :n || '@bench.example');
END;
