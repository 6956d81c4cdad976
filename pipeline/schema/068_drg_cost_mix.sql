-- 068_drg_cost_mix: what the fees of a period's DRG groups are made of
-- (issue 18: the cost structure of loss-making groups, and the 入组率),
-- per period, scope and group, written by the advise stage for every period
-- it advises (the rows of the period are replaced) from inpatient.csv
-- stays joined to their drg.csv row. Report templates cannot join stays
-- themselves (their SQL may not read stay_id), so they read this table.
-- A scope is 'hospital' or the discharging department; drg_code '' holds
-- the discharged stays without a DRG row (未入组).
CREATE TABLE drg_cost_mix (
    period          TEXT NOT NULL,
    scope           TEXT NOT NULL,
    drg_code        TEXT NOT NULL,
    stays           INTEGER NOT NULL,
    fee_cents       INTEGER NOT NULL,   -- Σ inpatient.total_fee
    drug_cents      INTEGER NOT NULL,   -- Σ drug_fee
    material_cents  INTEGER NOT NULL,   -- Σ material_fee
    exam_cents      INTEGER NOT NULL,   -- Σ exam_fee
    PRIMARY KEY (period, scope, drg_code)
);
