-- RegistrationPolicy.self_declared_kind: what a free-text organisation's own word on its
-- kind is worth against the quotas. Policies written from now on store the value in
-- force; an unspecified one means NEEDS_APPROVAL once a policy has quotas.
--
-- Events that already reserve seats per kind took self-declared kinds into their quotas
-- at once, and their registrants and organisers were promised that: they keep it
-- (COUNTS) until their organiser says otherwise. The policy is serialized protobuf, so
-- the field is appended as its wire bytes (field 17, varint: 0x88 0x01; COUNTS = 1),
-- which a parser takes as the field's value. Policies without quotas need nothing: there
-- a kind takes no seats of its own.
UPDATE event_ledgers SET policy = policy || '\x880101'::bytea
  WHERE cardinality(pool_seats) > 1;
