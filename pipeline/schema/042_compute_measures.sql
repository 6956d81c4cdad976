-- 042_compute_measures: what a period's results were computed from.
--
-- computed_period.inputs is now registry_inputs_fingerprint() (registry.h),
-- the one staleness test every command applies (status, due, export,
-- render). computed_period.measures is compute's own cache check: a
-- SHA-256 of the stored measure states of the months it reads (a surgery
-- loaded with a later month can change a month's measures); a period is
-- computed again when either differs.
ALTER TABLE computed_period ADD COLUMN measures TEXT;
