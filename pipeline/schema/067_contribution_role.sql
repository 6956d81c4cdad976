-- 067_contribution_role: a department's part in a hospital change, by sign.
-- role 'driver': its delta has the change's sign; 'offset': the other sign.
-- role_share: delta / the total of its role x 100 (always positive; the
-- drivers' shares add up to 100, the offsets' too), where share (delta /
-- the net change) can be negative or above 100 when some departments offset.
ALTER TABLE contribution ADD COLUMN role TEXT CHECK (role IN ('driver', 'offset'));
ALTER TABLE contribution ADD COLUMN role_share REAL;
