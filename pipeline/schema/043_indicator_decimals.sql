-- 043_indicator_decimals: the digits after the point an indicator's values
-- are shown with (config/indicators.xml decimals="N"); NULL: the unit's rule
-- in pipeline/core/numfmt.h.
ALTER TABLE indicator ADD COLUMN decimals INTEGER;
