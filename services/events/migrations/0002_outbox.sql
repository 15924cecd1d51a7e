-- Domain events waiting for the relay (common/outbox): written in the transaction of
-- the change they announce, deleted once they are on the Redis stream.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  stream      text NOT NULL,
  type        text NOT NULL,
  payload     bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now()
);
