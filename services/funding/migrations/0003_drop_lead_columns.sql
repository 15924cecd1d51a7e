-- MatchCalls judges who may lead from the eligibility it keeps in memory (OpenCalls):
-- the lead arrays its SQL used to narrow by are read by nothing.
ALTER TABLE calls DROP COLUMN lead_countries, DROP COLUMN lead_regions, DROP COLUMN lead_kinds;
