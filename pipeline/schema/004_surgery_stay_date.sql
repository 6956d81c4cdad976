-- 004_surgery_stay_date: the first operation of a stay (the pre-operative
-- days measure of config/indicators.xml) is one seek in a covering index,
-- not a table lookup per operation.
CREATE INDEX surgery_stay_date ON surgery(stay_id, surgery_date);
DROP INDEX surgery_stay;
