-- Organisations' API keys (`cnk_<prefix>_<secret>`). The secret is never stored: only
-- its SHA-256, found through the key's public prefix. A deleted organisation's keys go
-- with it.
CREATE TABLE api_keys (
  id              text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  display_name    text NOT NULL,
  prefix          text NOT NULL CHECK (prefix ~ '^[0-9a-z]{8}$'),
  secret_sha256   bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  scopes          text[] NOT NULL CHECK (cardinality(scopes) > 0),
  expire_time     timestamptz,
  revoke_time     timestamptz,
  last_use_time   timestamptz,
  create_time     timestamptz NOT NULL,
  CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);
CREATE INDEX api_keys_organisation ON api_keys (organisation_id, id);
