-- Networks of organisations and their members. The coordinator is always an existing
-- organisation: deleting one that coordinates a network is refused (RESTRICT), so it
-- must hand the network over or delete it first. A member organisation that is deleted
-- leaves its networks (CASCADE).
CREATE TABLE networks (
  id             text PRIMARY KEY,
  title          jsonb NOT NULL,
  description    jsonb NOT NULL DEFAULT '{}',
  coordinator_id text NOT NULL,
  countries      text[] NOT NULL DEFAULT '{}',
  nuts_regions   text[] NOT NULL DEFAULT '{}',
  themes         text[] NOT NULL DEFAULT '{}',
  admission      text NOT NULL CHECK (admission IN ('OPEN', 'BY_INVITATION')),
  revision       bigint NOT NULL DEFAULT 1,
  create_time    timestamptz NOT NULL,
  update_time    timestamptz NOT NULL,
  CONSTRAINT networks_coordinator_fkey FOREIGN KEY (coordinator_id)
    REFERENCES organisations (id) ON DELETE RESTRICT
);
CREATE INDEX networks_coordinator ON networks (coordinator_id);
-- Filters by overlap (countries && $1, themes && $1).
CREATE INDEX networks_countries ON networks USING gin (countries);
CREATE INDEX networks_themes ON networks USING gin (themes);

-- Other queries (partner search) read these four columns: keep their names and meaning.
CREATE TABLE network_members (
  network_id      text NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('COORDINATOR', 'MEMBER', 'MENTOR')),
  join_time       timestamptz NOT NULL,
  PRIMARY KEY (network_id, organisation_id)
);
-- The network's coordinator holds the one COORDINATOR membership.
CREATE UNIQUE INDEX network_members_one_coordinator ON network_members (network_id)
  WHERE role = 'COORDINATOR';
-- Keyset pages by join time, of a network's members and of an organisation's networks.
CREATE INDEX network_members_network_join ON network_members (network_id, join_time, organisation_id);
CREATE INDEX network_members_organisation_join
  ON network_members (organisation_id, join_time, network_id);
