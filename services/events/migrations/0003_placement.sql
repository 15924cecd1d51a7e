-- Whether the event's network accepted it (or it is in none): only then is it listed as
-- the network's or the series', and seen by the network's members when NETWORK-only.
-- Every event stored before placements were agreed was placed by its network's side.
ALTER TABLE events ADD COLUMN placed boolean NOT NULL DEFAULT true;
