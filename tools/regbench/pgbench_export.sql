-- What an export of one event reads, on the registrations service's own database: every
-- registration with its participants, in registration order, in one statement (the
-- service reads it in keyset pages). pgbench -M prepared -D event=<the event's id>.
SELECT r.id, r.state, r.document, q.position, q.given_name, q.family_name,
       coalesce(q.email, ''), q.job_title, q.preferred_language, q.check_in_time
  FROM registrations r
  JOIN participants q ON q.event_id = r.event_id AND q.registration_id = r.id
 WHERE r.event_id = :event
 ORDER BY r.id, q.position;
