-- Partner search. Text is matched word by word, accent-, case- and typo-tolerantly:
-- every searchable text is folded (coopnet_fold) and cut into words (coopnet_word_set) by
-- the database itself, for stored rows and for queries alike, so the two can never fold
-- differently. A query word finds the words of the dictionary (search_words) that are
-- equal, similar (pg_trgm) or start with it; rows are then found by exact word through a
-- GIN index, together with the filters, which are terms of the same array
-- (`PL:youth`, `c:PL`, `n:PL6`, `t:youth`, ...).
--
-- pg_trgm is a trusted extension: a superuser, or (PostgreSQL 13 and later) a role with
-- CREATE on the database, creates it here; or an operator creates it beforehand.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Lower case without diacritics, the same in every locale: letters that Unicode does not
-- decompose into a base letter and a mark (ø, ł, æ, ß, đ, þ, ...) are mapped explicitly,
-- the rest is decomposed (NFKD) and its marks dropped. Needs a UTF8 database.
CREATE FUNCTION coopnet_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN lower(regexp_replace(normalize(
  replace(replace(replace(replace(replace(
    -- Groups line up letter by letter; the space between groups maps to itself.
    translate(t, 'ÆŒẞÞĲ đðĐÐ ħĦ ı ĸ ŀĿłŁ ŉŋŊ øØ ŧŦ ſ',
                 'æœßþĳ dddd hh i k llll nnn oo tt s'),
    'æ', 'ae'), 'œ', 'oe'), 'ß', 'ss'), 'þ', 'th'), 'ĳ', 'ij'),
  NFKD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff]', '', 'g'));

-- What separates words once text is folded: anything but digits and letters (Latin,
-- Greek, Cyrillic).
CREATE FUNCTION coopnet_word_separator() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '[^0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff]+';

-- The distinct words of `t`, folded: 2 to 60 characters each.
CREATE FUNCTION coopnet_word_set(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT w COLLATE "C"
             FROM regexp_split_to_table(coopnet_fold(t), coopnet_word_separator()) AS w
             WHERE length(w) BETWEEN 2 AND 60);

-- The first `n` distinct words of a query, folded, in the order they come.
CREATE FUNCTION coopnet_query_words(t text, n integer) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT w
             FROM regexp_split_to_table(coopnet_fold(t), coopnet_word_separator())
                  WITH ORDINALITY AS s(w, position)
             WHERE length(w) BETWEEN 2 AND 60
             GROUP BY w
             ORDER BY min(position)
             LIMIT n);

-- Every translation of a LocalizedText stored as JSON, in one text.
CREATE FUNCTION coopnet_translations(t jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce((SELECT string_agg(value, ' ' ORDER BY key)
                 FROM jsonb_each_text(t -> 'translations')), '');

-- What partner search matches an organisation by: its words; its words again under its
-- country (`PL:youth`), since partner searches are nearly always within countries and a
-- word's entries in one country are a thirtieth of its entries in all; and a term per
-- filter value (`c:` country, `n:` every NUTS prefix from the country's two letters on,
-- `k:` kind, `t:` theme, `s:` SDG, `l:` working language and its primary subtag in lower
-- case, `e:` experience, `p:` looking for partners). These hold a colon, which words never
-- do.
-- PL/pgSQL because it is several times faster here than a SQL function that cannot be
-- inlined (array_to_string is only STABLE).
CREATE FUNCTION coopnet_organisation_terms(
    display_name text, legal_name text, city text, description jsonb, country text,
    nuts_region text, kind text, themes text[], sdgs integer[], working_languages text[],
    experience text, looking_for_partners boolean) RETURNS text[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  words text[] := coopnet_word_set(display_name || ' ' || legal_name || ' ' || city || ' '
                                   || coopnet_translations(description));
BEGIN
  RETURN words
    -- Words hold no comma.
    || string_to_array(nullif(country || ':' || array_to_string(words, ',' || country || ':'),
                              country || ':'), ',')
    || ARRAY['c:' || country, 'k:' || kind, 'e:' || experience,
             'p:' || looking_for_partners::text]
    || (ARRAY['n:' || left(nuts_region, 2), 'n:' || left(nuts_region, 3),
              'n:' || left(nuts_region, 4), 'n:' || left(nuts_region, 5)])
         [1:length(nuts_region) - 1]
    -- Slugs, SDGs and language tags hold no comma.
    || string_to_array(nullif('t:' || array_to_string(themes, ',t:'), 't:'), ',')
    || string_to_array(nullif('s:' || array_to_string(sdgs, ',s:'), 's:'), ',')
    || string_to_array(nullif('l:' || lower(array_to_string(working_languages, ',l:')), 'l:'), ',')
    || string_to_array(regexp_replace(
         nullif('l:' || lower(array_to_string(working_languages, ',l:')), 'l:'),
         '-[^,]*', '', 'g'), ',');
END
$$;

ALTER TABLE organisations
  ADD COLUMN search_terms text[] NOT NULL GENERATED ALWAYS AS (coopnet_organisation_terms(
    display_name, legal_name, city, description, country, nuts_region, kind, themes, sdgs,
    working_languages, international_experience, looking_for_partners)) STORED,
  -- A word found in the name or the city counts more than one found in the description.
  ADD COLUMN name_words text[] NOT NULL GENERATED ALWAYS AS (
    coopnet_word_set(display_name || ' ' || legal_name || ' ' || city)) STORED;

-- One index answers the words and every filter of a search at once.
CREATE INDEX organisations_search_terms ON organisations USING gin (search_terms);

-- Every word any searchable text holds, for finding the words a query word could mean.
-- Words are never removed: one that no row holds any longer only costs a lookup.
CREATE TABLE search_words (
  word text COLLATE "C" PRIMARY KEY
);
CREATE INDEX search_words_trigrams ON search_words USING gin (word gin_trgm_ops);

-- Learns the words of the rows a statement wrote (in `new_rows`). In word order, so that
-- two writers adding the same new words never wait for each other in a circle.
CREATE FUNCTION coopnet_learn_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_words (word)
  SELECT DISTINCT w FROM new_rows, unnest(new_rows.search_terms) AS w
  WHERE strpos(w, ':') = 0
  ORDER BY w
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER organisations_learn_words_insert AFTER INSERT ON organisations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coopnet_learn_words();
CREATE TRIGGER organisations_learn_words_update AFTER UPDATE ON organisations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coopnet_learn_words();

INSERT INTO search_words (word)
SELECT DISTINCT w FROM organisations, unnest(search_terms) AS w WHERE strpos(w, ':') = 0;

-- No other index is needed: lookup by identifier reads organisation_identifiers' primary
-- key, and a search without text the primary key backwards, newest first.
