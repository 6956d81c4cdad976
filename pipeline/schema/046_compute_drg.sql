-- 046_compute_drg: compute's per-month base rows for catalogue v2 (issue 18).

-- The keys of a measure set of kind "distinct" (config/indicators.xml), per
-- month and department: e.g. the DRG codes of the stays a department
-- discharged. A period's distinct count is counted from these rows afresh
-- (it does not add up over months or departments); ind_measure holds the
-- month's count per department besides.
CREATE TABLE ind_distinct (
    month     TEXT NOT NULL,
    measure   TEXT NOT NULL,
    dept_code TEXT NOT NULL,
    key       TEXT NOT NULL,
    PRIMARY KEY (month, measure, dept_code, key)
) WITHOUT ROWID;

-- Per month, discharging department and DRG group: the sums the DRG group
-- table (044 drg_group) of any period adds up, and the per-stay index sums
-- of the time and cost efficiency indices (Σ los / benchmark avg_los and
-- Σ total_fee / benchmark avg_cost over the stays whose group had a
-- benchmark that month). Filled by the drg_groups measure set.
CREATE TABLE ind_drg_month (
    month                TEXT NOT NULL,
    dept_code            TEXT NOT NULL,
    drg_code             TEXT NOT NULL,
    drg_name             TEXT NOT NULL,
    stays                INTEGER NOT NULL,
    weight               REAL NOT NULL,
    los_days             INTEGER NOT NULL,
    benched_stays        INTEGER NOT NULL,
    bench_los_sum        REAL NOT NULL,
    los_index_sum        REAL NOT NULL,
    cost_cents           INTEGER NOT NULL,
    bench_cost_sum_cents INTEGER NOT NULL,
    cost_index_sum       REAL NOT NULL,
    paid_stays           INTEGER NOT NULL,
    payment_cents        INTEGER NOT NULL,
    paid_cost_cents      INTEGER NOT NULL,
    deaths               INTEGER NOT NULL,
    low_risk             INTEGER NOT NULL,
    low_risk_deaths      INTEGER NOT NULL,
    PRIMARY KEY (month, dept_code, drg_code)
) WITHOUT ROWID;
