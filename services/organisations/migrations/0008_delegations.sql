-- Delegations: organisation_id lets delegate_id act for it within `scopes` until
-- expire_time, unless revoked first. A deleted organisation's delegations go with it,
-- whichever side it was on.
CREATE TABLE delegations (
  id              text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  delegate_id     text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  scopes          text[] NOT NULL CHECK (cardinality(scopes) > 0),
  purpose         text NOT NULL,
  expire_time     timestamptz NOT NULL,
  revoke_time     timestamptz,
  create_time     timestamptz NOT NULL,
  CHECK (organisation_id <> delegate_id)
);
CREATE INDEX delegations_organisation ON delegations (organisation_id, id);
-- What a key's organisation may act for, read at every authentication.
CREATE INDEX delegations_delegate ON delegations (delegate_id, id);
