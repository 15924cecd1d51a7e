-- Programmes, calls, applications and awards. Each resource as the API shows it
-- (output-only fields aside) is kept in `document` as serialized protobuf; what lists
-- filter and sort by is copied into columns beside it.

CREATE TABLE programmes (
  id          text PRIMARY KEY,
  funder      text NOT NULL,
  level       text NOT NULL,
  themes      text[] NOT NULL DEFAULT '{}',
  document    bytea NOT NULL,
  revision    bigint NOT NULL DEFAULT 1,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL
);
CREATE INDEX programmes_funder ON programmes (funder, id);

CREATE TABLE calls (
  id             text PRIMARY KEY,
  programme_id   text NOT NULL REFERENCES programmes (id),
  funder         text NOT NULL,
  level          text NOT NULL,
  identifier     text NOT NULL,
  kind           text NOT NULL,
  publish_time   timestamptz,
  open_time      timestamptz NOT NULL,
  deadline       timestamptz NOT NULL,
  currency       text NOT NULL,
  -- Who may lead, for MatchCalls to leave out what an organisation cannot lead before
  -- judging the rest: countries, NUTS codes and kinds, '*' where the call takes any.
  lead_countries text[] NOT NULL,
  lead_regions   text[] NOT NULL,
  lead_kinds     text[] NOT NULL,
  -- What the call funds; '*' when any theme.
  themes         text[] NOT NULL,
  -- The call's eligibility apart from the document: MatchCalls reads only this.
  eligibility    bytea NOT NULL,
  document       bytea NOT NULL,
  revision       bigint NOT NULL DEFAULT 1,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  UNIQUE (programme_id, identifier),
  CHECK (deadline > open_time)
);
-- Calls by deadline: ListCalls' order, and the open and forthcoming ones MatchCalls
-- judges.
CREATE INDEX calls_deadline ON calls (deadline, id);
CREATE INDEX calls_programme_deadline ON calls (programme_id, deadline, id);
CREATE INDEX calls_funder_deadline ON calls (funder, deadline, id);

CREATE TABLE applications (
  id           text PRIMARY KEY,
  call_id      text NOT NULL REFERENCES calls (id),
  -- The call's funder, who sees the application once submitted.
  funder       text NOT NULL,
  lead         text NOT NULL,
  -- Every organisation of the consortium, the lead included.
  participants text[] NOT NULL,
  state        text NOT NULL,
  document     bytea NOT NULL,
  revision     bigint NOT NULL DEFAULT 1,
  create_time  timestamptz NOT NULL,
  update_time  timestamptz NOT NULL
);
CREATE INDEX applications_call ON applications (call_id, id);
CREATE INDEX applications_participants ON applications USING gin (participants);
CREATE INDEX applications_funder ON applications (funder, id);

CREATE TABLE awards (
  id             text PRIMARY KEY,
  funder         text NOT NULL,
  recipient      text NOT NULL,
  programme_id   text NOT NULL REFERENCES programmes (id),
  call_id        text REFERENCES calls (id),
  application_id text UNIQUE REFERENCES applications (id),
  currency       text NOT NULL,
  -- The amount as an exact decimal, for totals per currency.
  amount         numeric(38, 9) NOT NULL CHECK (amount > 0),
  award_date     date NOT NULL,
  document       bytea NOT NULL,
  revision       bigint NOT NULL DEFAULT 1,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL
);
CREATE INDEX awards_funder ON awards (funder, id);
CREATE INDEX awards_recipient ON awards (recipient, id);
CREATE INDEX awards_programme ON awards (programme_id, id);

-- Domain events waiting for the relay (common/outbox): written in the transaction of
-- the change they announce, deleted once they are on the Redis stream.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  stream      text NOT NULL,
  type        text NOT NULL,
  payload     bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now()
);
