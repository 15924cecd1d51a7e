-- An organisation's registrations at every event, oldest first
-- (ListOrganisationRegistrations).
CREATE INDEX registrations_by_organisation ON registrations (organisation, id, event_id)
  WHERE organisation <> '';
