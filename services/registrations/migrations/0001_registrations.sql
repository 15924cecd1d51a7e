-- Registrations: one ledger row per event that takes registrations (its policy, what we
-- know of the event, and its seats), the registrations, and their participants.

-- True while no pool holds more confirmed participants than its seats (-1: no limit).
CREATE FUNCTION registrations_seats_hold(seats int[], confirmed int[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT cardinality(seats) = cardinality(confirmed)
              AND coalesce(bool_and(s < 0 OR c <= s), true)
         FROM unnest(seats, confirmed) AS pool(s, c) $$;

-- Aborts the statement calling it unless `unchanged`: a batch written on what it last
-- knew of its events' ledgers must not half apply when one of them moved on meanwhile.
-- A serialization failure, since that is what it is: the caller decides again.
CREATE FUNCTION registrations_require_unchanged(unchanged boolean) RETURNS boolean
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NOT unchanged THEN
    RAISE EXCEPTION 'a seat ledger changed since the batch read it'
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN true;
END
$$;

CREATE TABLE event_ledgers (
  event_id                 text PRIMARY KEY,
  -- The RegistrationPolicy's writable fields, as serialized protobuf.
  policy                   bytea NOT NULL,
  revision                 bigint NOT NULL DEFAULT 1,
  -- What the events service said (kept current from its stream): who organises the
  -- event (organiser first), when it ends, whether it was cancelled.
  organisers               text[] NOT NULL,
  event_end_time           timestamptz NOT NULL,
  event_cancelled          boolean NOT NULL DEFAULT false,
  -- How long after the end participants' personal data is kept.
  retention_seconds        bigint NOT NULL,
  -- Set once the retention job anonymised the event's participants.
  anonymise_time           timestamptz,
  -- The seat ledger. Pool 0 holds the seats no quota reserves, pool i the seats of the
  -- policy's quotas[i-1]; every change of seats locks this row first, so no
  -- interleaving of requests can overbook, and the CHECK refuses any that would.
  pool_seats               int[] NOT NULL,
  pool_confirmed           int[] NOT NULL,
  waitlisted_participants  int NOT NULL DEFAULT 0 CHECK (waitlisted_participants >= 0),
  waitlisted_registrations int NOT NULL DEFAULT 0 CHECK (waitlisted_registrations >= 0),
  next_waitlist_number     bigint NOT NULL DEFAULT 1,
  create_time              timestamptz NOT NULL,
  update_time              timestamptz NOT NULL,
  CHECK (registrations_seats_hold(pool_seats, pool_confirmed))
);
CREATE INDEX event_ledgers_retention ON event_ledgers (event_end_time)
  WHERE anonymise_time IS NULL;
CREATE INDEX event_ledgers_organisers ON event_ledgers USING gin (organisers);

CREATE TABLE registrations (
  event_id             text NOT NULL REFERENCES event_ledgers (event_id),
  id                   text NOT NULL,
  state                text NOT NULL,
  -- The seat pool of its organisation's kind (see event_ledgers).
  pool                 int NOT NULL,
  participant_count    int NOT NULL CHECK (participant_count > 0),
  -- Its place in line while WAITLISTED: lower is older.
  waitlist_number      bigint,
  organisation         text NOT NULL DEFAULT '',
  -- The organisation as registered: for statistics that outlive the directory entry.
  organisation_key     text NOT NULL,
  organisation_kind    text NOT NULL,
  organisation_country text NOT NULL,
  -- Why it was cancelled or rejected.
  reason               text NOT NULL DEFAULT '',
  -- The Registration without participants and output-only fields.
  document             bytea NOT NULL,
  revision             bigint NOT NULL DEFAULT 1,
  create_time          timestamptz NOT NULL,
  update_time          timestamptz NOT NULL,
  PRIMARY KEY (event_id, id)
);
-- The line: position N is the N-th of these.
CREATE INDEX registrations_waitlist ON registrations (event_id, waitlist_number)
  WHERE state = 'WAITLISTED';
CREATE INDEX registrations_organisation ON registrations (event_id, organisation, id)
  WHERE organisation <> '';

CREATE TABLE participants (
  event_id           text NOT NULL,
  registration_id    text NOT NULL,
  position           int NOT NULL,
  given_name         text NOT NULL,
  family_name        text NOT NULL,
  -- NULL once anonymised.
  email              text,
  -- EmailKey(email): how addresses are compared.
  email_key          text,
  job_title          text NOT NULL DEFAULT '',
  preferred_language text NOT NULL DEFAULT '',
  -- Its registration is PENDING_APPROVAL, CONFIRMED or WAITLISTED.
  live               boolean NOT NULL,
  check_in_time      timestamptz,
  anonymise_time     timestamptz,
  PRIMARY KEY (event_id, registration_id, position),
  FOREIGN KEY (event_id, registration_id) REFERENCES registrations (event_id, id)
);
-- One live registration per e-mail and event.
CREATE UNIQUE INDEX participants_live_email ON participants (event_id, email_key) WHERE live;
-- Personal data export and erasure find a person by address across events.
CREATE INDEX participants_email ON participants (email_key);

-- The events service's changes handled already (by their outbox id), so that a change
-- delivered twice is handled once.
CREATE TABLE handled_event_changes (
  change_id   bigint PRIMARY KEY,
  handle_time timestamptz NOT NULL DEFAULT now()
);

-- Domain events waiting for the relay (common/outbox): written in the transaction of
-- the change they announce, deleted once they are on the Redis stream.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  stream      text NOT NULL,
  type        text NOT NULL,
  payload     bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now()
);
