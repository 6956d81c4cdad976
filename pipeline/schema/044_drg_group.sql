-- 044_drg_group: the DRG group table (病组分析表, spec/INDICATORS.md
-- "Catalogue v2"), materialised by compute per period, scope and group.
-- A scope is 'hospital' or the discharging department's dept_code (from
-- inpatient.csv); a period is any canonical PERIOD (month, quarter, year,
-- range). Every column is a sum over the stays of the group in scope and
-- period, so a quarter is the sum of its months: means are ratios of sums.
--   mean los here      = los_days / stays
--   benchmark mean los = bench_los_sum / benched_stays
--   mean cost here     = cost_cents / stays
--   benchmark mean cost= bench_cost_sum_cents / benched_stays
--   CMI contribution   = weight / (the scope's drg_cases)
--   balance            = payment_cents - paid_cost_cents (stays with a payment)
CREATE TABLE drg_group (
    period               TEXT NOT NULL,
    scope                TEXT NOT NULL,
    drg_code             TEXT NOT NULL,
    drg_name             TEXT NOT NULL,   -- the latest name seen in the period
    stays                INTEGER NOT NULL,
    weight               REAL NOT NULL,   -- Σ weight
    cmi_contribution     REAL,            -- weight / the scope's grouped stays
    los_days             INTEGER NOT NULL,-- Σ los (0 counted as 1)
    benched_stays        INTEGER NOT NULL,-- stays whose group had a benchmark that month
    bench_los_sum        REAL,            -- Σ benchmark avg_los over benched stays
    cost_cents           INTEGER NOT NULL,-- Σ inpatient.total_fee
    bench_cost_sum_cents INTEGER,         -- Σ benchmark avg_cost over benched stays
    paid_stays           INTEGER NOT NULL,-- stays with a payment
    payment_cents        INTEGER,         -- Σ payment over paid stays
    paid_cost_cents      INTEGER,         -- Σ total_fee over paid stays
    balance_cents        INTEGER,         -- payment_cents - paid_cost_cents; NULL if no paid stay
    deaths               INTEGER NOT NULL,
    low_risk             INTEGER NOT NULL DEFAULT 0, -- stays flagged low-risk
    PRIMARY KEY (period, scope, drg_code)
);
