-- The directory of organisations. Filterable facts are columns; the localized
-- description and the postal address are JSON, kept exactly as given.
CREATE TABLE organisations (
  id                       text PRIMARY KEY,
  display_name             text NOT NULL,
  legal_name               text NOT NULL DEFAULT '',
  kind                     text NOT NULL,
  country                  text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  nuts_region              text NOT NULL DEFAULT '',
  city                     text NOT NULL DEFAULT '',
  postal_address           jsonb,
  website                  text NOT NULL DEFAULT '',
  email                    text NOT NULL DEFAULT '',
  description              jsonb NOT NULL DEFAULT '{}',
  working_languages        text[] NOT NULL DEFAULT '{}',
  themes                   text[] NOT NULL DEFAULT '{}',
  sdgs                     integer[] NOT NULL DEFAULT '{}',
  international_experience text NOT NULL DEFAULT 'EXPERIENCE_UNSPECIFIED',
  looking_for_partners     boolean NOT NULL DEFAULT false,
  revision                 bigint NOT NULL DEFAULT 1,
  create_time              timestamptz NOT NULL,
  update_time              timestamptz NOT NULL
);

-- Keyset pages in id (= creation) order within each filter.
CREATE INDEX organisations_country_id ON organisations (country, id);
CREATE INDEX organisations_kind_id ON organisations (kind, id);
CREATE INDEX organisations_nuts_region ON organisations (nuts_region text_pattern_ops);

-- Each identifier in a public register belongs to one organisation at most.
CREATE TABLE organisation_identifiers (
  scheme          text NOT NULL,
  value           text NOT NULL,
  organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  position        integer NOT NULL,
  CONSTRAINT organisation_identifiers_unique PRIMARY KEY (scheme, value)
);
CREATE INDEX organisation_identifiers_organisation ON organisation_identifiers (organisation_id);
