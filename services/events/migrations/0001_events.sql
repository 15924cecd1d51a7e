-- Events and the series of networks. The resource as the API shows it (output-only
-- fields aside) is kept in `document` as serialized protobuf: reading a page of 50 from
-- JSON cost more than finding them (eventbench). What lists filter and sort by is
-- copied into columns beside it.

-- Accent- and case-insensitive matching (Orebro finds Örebro, wspolpraca finds
-- współpraca) with trigram indexes to make substring search fast.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary makes
-- the fold safe to index.
CREATE FUNCTION events_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

CREATE TABLE series (
  id          text PRIMARY KEY,
  organiser   text NOT NULL,
  network     text NOT NULL,
  document    bytea NOT NULL,
  revision    bigint NOT NULL DEFAULT 1,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL
);
CREATE INDEX series_network_id ON series (network, id);
CREATE INDEX series_organiser_id ON series (organiser, id);

CREATE TABLE events (
  id                  text PRIMARY KEY,
  document            bytea NOT NULL,
  state               text NOT NULL,
  visibility          text NOT NULL,
  kind                text NOT NULL,
  organiser           text NOT NULL,
  -- The organiser and every co-organiser: who always sees the event.
  organisers          text[] NOT NULL,
  network             text NOT NULL DEFAULT '',
  series_id           text REFERENCES series (id),
  start_time          timestamptz NOT NULL,
  end_time            timestamptz NOT NULL,
  attendance_mode     text NOT NULL,
  country             text NOT NULL DEFAULT '',
  nuts_region         text NOT NULL DEFAULT '',
  languages           text[] NOT NULL DEFAULT '{}',
  themes              text[] NOT NULL DEFAULT '{}',
  -- Every translation of title, summary and description and the venue, folded.
  search_text         text NOT NULL DEFAULT '',
  sequence            bigint NOT NULL DEFAULT 0,
  revision            bigint NOT NULL DEFAULT 1,
  create_time         timestamptz NOT NULL,
  update_time         timestamptz NOT NULL,
  CHECK (end_time > start_time),
  CHECK (end_time - start_time <= interval '92 days')
);

-- The longest an event has ever lasted: an event still going on after T started after T
-- minus this, which bounds the index range an upcoming list walks (see ListEvents).
CREATE TABLE events_longest (
  one             boolean PRIMARY KEY DEFAULT true CHECK (one),
  longest_seconds bigint NOT NULL
);
INSERT INTO events_longest VALUES (true, 0);

-- Keyset pages in start order: the public list walks this index.
CREATE INDEX events_start ON events (start_time, id);
CREATE INDEX events_organisers ON events USING gin (organisers);
CREATE INDEX events_network_start ON events (network, start_time, id) WHERE network <> '';
CREATE INDEX events_series_start ON events (series_id, start_time, id) WHERE series_id IS NOT NULL;
CREATE INDEX events_country_start ON events (country, start_time, id);
CREATE INDEX events_themes ON events USING gin (themes);
CREATE INDEX events_search ON events USING gin (search_text gin_trgm_ops);
