-- 007_month_state: a month's validation and reconciliation state as it
-- holds for the month's current data (issue 11). Everything that prints
-- a month's state (templates, the index page) reads this view, never
-- period_state's raw columns: a state whose fingerprint is not the month's
-- current one (005_inputs) reads 'stale' -- the data changed after the
-- stage ran, so it counts as not run (and a --force given to that
-- reconciliation no longer counts). The expressions are those of
-- REGISTRY_VALIDATION_SQL and REGISTRY_RECONCILE_SQL (pipeline/core/
-- registry.h); tests/test_registry.c checks that the two agree.
CREATE VIEW month_state AS
SELECT period, ingested_at, validated_at, reconciled_at, computed_at,
       -- forced counts only with the reconciliation it forced
       CASE WHEN reconciled_inputs IS NOT inputs THEN 0 ELSE reconcile_forced END
           AS reconcile_forced,
       CASE WHEN validation_state IS NOT NULL AND validated_inputs IS NOT inputs THEN 'stale'
            ELSE validation_state END AS validation_state,
       CASE WHEN reconcile_state IS NOT NULL AND reconciled_inputs IS NOT inputs THEN 'stale'
            ELSE reconcile_state END AS reconcile_state
  FROM period_state;
