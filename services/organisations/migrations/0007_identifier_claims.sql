-- Identifiers are claims. Any write key can say that an organisation holds an EU PIC, an
-- OID, a register number or a VAT number; the claim is UNVERIFIED until an operator has
-- checked it (VerifyIdentifier), and any number of organisations may make the same one,
-- so that a squatter's claim blocks nobody. An identifier is unique among VERIFIED
-- claims only; an organisation makes a claim once.
ALTER TABLE organisation_identifiers
  ADD COLUMN state text NOT NULL DEFAULT 'UNVERIFIED' CHECK (state IN ('UNVERIFIED', 'VERIFIED')),
  ADD COLUMN verify_time timestamptz,
  -- While nobody's claim is verified, LookupOrganisation answers the earliest claimant.
  ADD COLUMN claim_time timestamptz NOT NULL DEFAULT now(),
  ADD CONSTRAINT organisation_identifiers_verify_time
    CHECK ((state = 'VERIFIED') = (verify_time IS NOT NULL));

-- Existing claims count as VERIFIED, verified now: nothing records who made them, and until
-- now no two organisations could hold the same identifier, so each is the only claim to
-- its identifier and the partial unique index below holds for them.
UPDATE organisation_identifiers SET state = 'VERIFIED', verify_time = now();

ALTER TABLE organisation_identifiers
  DROP CONSTRAINT organisation_identifiers_unique,
  ADD CONSTRAINT organisation_identifiers_pkey PRIMARY KEY (organisation_id, scheme, value);

-- At most one organisation holds an identifier VERIFIED.
CREATE UNIQUE INDEX organisation_identifiers_verified ON organisation_identifiers (scheme, value)
  WHERE state = 'VERIFIED';

-- Lookup reads every claim to an identifier; the primary key now serves an organisation's
-- own identifiers.
CREATE INDEX organisation_identifiers_claims ON organisation_identifiers (scheme, value);
DROP INDEX organisation_identifiers_organisation;
