-- 067_contribution_role: a department's part in a hospital change, by sign
-- (one row per row of contribution, written with it by compute).
-- role 'driver': its delta has the change's sign; 'offset': the other sign.
-- role_share: delta / the total of its role x 100 (always positive; the
-- drivers' shares add up to 100, the offsets' too), where contribution.share
-- (delta / the net change) can be negative or above 100 when some
-- departments offset the change.
CREATE TABLE contribution_role (
    period     TEXT NOT NULL,
    indicator  TEXT NOT NULL,
    comparison TEXT NOT NULL,
    dept_code  TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('driver', 'offset')),
    role_share REAL NOT NULL,
    PRIMARY KEY (period, indicator, comparison, dept_code)
);
