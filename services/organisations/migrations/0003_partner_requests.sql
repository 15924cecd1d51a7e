-- What organisations look for in partners abroad. A request belongs to its organisation
-- and goes with it. Its words are searched like organisations' (migration 0002): the
-- title's count more than the description's.
CREATE TABLE partner_requests (
  id              text PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  title           jsonb NOT NULL,
  description     jsonb NOT NULL DEFAULT '{}',
  themes          text[] NOT NULL DEFAULT '{}',
  countries       text[] NOT NULL DEFAULT '{}',
  kinds           text[] NOT NULL DEFAULT '{}',
  call            text NOT NULL DEFAULT '',
  deadline        timestamptz,
  state           text NOT NULL CHECK (state IN ('OPEN', 'CLOSED')),
  revision        bigint NOT NULL DEFAULT 1,
  create_time     timestamptz NOT NULL,
  update_time     timestamptz NOT NULL,
  search_terms    text[] NOT NULL GENERATED ALWAYS AS (
    coopnet_word_set(coopnet_translations(title) || ' ' || coopnet_translations(description)))
    STORED,
  title_words     text[] NOT NULL GENERATED ALWAYS AS (
    coopnet_word_set(coopnet_translations(title))) STORED
);

-- An organisation's requests, newest first.
CREATE INDEX partner_requests_organisation ON partner_requests (organisation_id, id);
-- Searches read open requests only, newest first or by words.
CREATE INDEX partner_requests_open ON partner_requests (id) WHERE state = 'OPEN';
CREATE INDEX partner_requests_search_terms ON partner_requests USING gin (search_terms)
  WHERE state = 'OPEN';

CREATE TRIGGER partner_requests_learn_words_insert AFTER INSERT ON partner_requests
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coopnet_learn_words();
CREATE TRIGGER partner_requests_learn_words_update AFTER UPDATE ON partner_requests
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coopnet_learn_words();
