-- The tables pgbench runs a registration's seat step on (psql -v events=50): one seat row
-- per event, 0 being the hot one, with seats enough that no run fills them, and the
-- registrations.
CREATE TABLE seats (
  event_id int PRIMARY KEY,
  capacity int NOT NULL,
  taken    int NOT NULL DEFAULT 0
);
CREATE TABLE registrations (
  id          bigserial PRIMARY KEY,
  event_id    int NOT NULL,
  email       text NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now()
);
INSERT INTO seats SELECT g, 1000000, 0 FROM generate_series(0, :events) AS g;
