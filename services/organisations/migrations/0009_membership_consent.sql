-- A membership is PROPOSED by one side and ACTIVE once the other accepts. `proposed_by`
-- says which side proposed: NETWORK (the coordinator invited the organisation, which must
-- accept) or ORGANISATION (it asked to join, the coordinator must accept); NULL once
-- ACTIVE. Every membership made before consent existed was made by a coordinator or an
-- administrator and stays ACTIVE.
ALTER TABLE network_members
  ADD COLUMN state text NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('PROPOSED', 'ACTIVE')),
  ADD COLUMN proposed_by text CHECK (proposed_by IN ('NETWORK', 'ORGANISATION')),
  ADD CONSTRAINT network_members_proposal CHECK ((state = 'PROPOSED') = (proposed_by IS NOT NULL)),
  -- The coordinator is a member by being the coordinator.
  ADD CONSTRAINT network_members_coordinator_active CHECK (role <> 'COORDINATOR' OR state = 'ACTIVE');
