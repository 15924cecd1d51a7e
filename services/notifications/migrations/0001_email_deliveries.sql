-- One e-mail to one participant about one change of their registration: written when the
-- change is handled, sent (and tried again) by the sender.
CREATE TABLE email_deliveries (
  id                bigserial PRIMARY KEY,
  -- The registrations service's change (its outbox id) this tells, and whom: each change
  -- is told once per participant however often it is delivered.
  change_id         bigint NOT NULL,
  -- `events/{event}/registrations/{id}` and the participant's id in it.
  registration      text NOT NULL,
  participant       text NOT NULL,
  -- confirmed, waitlisted, promoted, ... (the template's folder).
  message           text NOT NULL,
  -- The participant's address and name; NULL once their personal data was erased.
  recipient         text,
  recipient_name    text,
  -- The organiser, where replies go.
  reply_to          text NOT NULL DEFAULT '',
  reply_to_name     text NOT NULL DEFAULT '',
  language          text NOT NULL,
  subject           text NOT NULL,
  body_text         text,
  body_html         text,
  -- The iCalendar attachment and its METHOD; '' for none.
  calendar          text NOT NULL DEFAULT '',
  calendar_method   text NOT NULL DEFAULT '',
  state             text NOT NULL DEFAULT 'PENDING'
                    CHECK (state IN ('PENDING', 'SENT', 'FAILED')),
  attempts          int NOT NULL DEFAULT 0,
  last_error        text NOT NULL DEFAULT '',
  create_time       timestamptz NOT NULL DEFAULT now(),
  -- When PENDING: the next attempt (moved on while one is under way, so that a sender
  -- that died mid-way leaves it to another).
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  send_time         timestamptz,
  UNIQUE (change_id, registration, participant)
);

CREATE INDEX email_deliveries_due ON email_deliveries (next_attempt_time, id)
  WHERE state = 'PENDING';
CREATE INDEX email_deliveries_registration ON email_deliveries (registration, id);
