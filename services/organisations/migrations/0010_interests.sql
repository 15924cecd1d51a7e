-- Expressions of interest: sender_id tells organisation_id it would like to work
-- together. The contact persons are personal data: the sender's is kept while the
-- interest is pending or accepted, and set to NULL when it is declined or withdrawn.
CREATE TABLE interests (
  id                 text PRIMARY KEY,
  organisation_id    text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  sender_id          text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  partner_request_id text REFERENCES partner_requests (id) ON DELETE SET NULL,
  message            text NOT NULL,
  languages          text[] NOT NULL DEFAULT '{}',
  proposed_role      text NOT NULL,
  contact_name       text,
  contact_email      text,
  contact_phone      text,
  state              text NOT NULL,
  reply_name         text,
  reply_email        text,
  reply_phone        text,
  reply_message      text NOT NULL DEFAULT '',
  create_time        timestamptz NOT NULL,
  answer_time        timestamptz,
  CHECK (organisation_id <> sender_id)
);
CREATE INDEX interests_organisation ON interests (organisation_id, id);
-- What one sender sent, and how many in the last day.
CREATE INDEX interests_sender ON interests (sender_id, create_time);
