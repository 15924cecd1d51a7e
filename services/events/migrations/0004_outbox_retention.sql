-- Relayed domain events are kept (common/outbox): the relay publishes them again when
-- Redis lost its streams, and deletes them after its retention.
ALTER TABLE outbox ADD COLUMN relay_time timestamptz;
CREATE INDEX outbox_waiting ON outbox (id) WHERE relay_time IS NULL;
CREATE INDEX outbox_relayed ON outbox (relay_time) WHERE relay_time IS NOT NULL;
