-- 047_drg_name_en: English names of DRG groups. drg.csv carries the
-- grouper's name only (drg_name, Chinese); the region's benchmark table the
-- operations office keeps (drg_benchmark.csv) may carry an optional name_en
-- column. The view gives each group its English name from the latest
-- benchmark month that has one; a group without is not in it, and the
-- English editions print its code and Chinese name.
ALTER TABLE drg_benchmark ADD COLUMN name_en TEXT;
CREATE VIEW drg_name_en AS
    SELECT drg_code, name_en FROM (
        SELECT drg_code, trim(name_en) AS name_en,
               row_number() OVER (PARTITION BY drg_code ORDER BY period DESC, file_id DESC) AS k
          FROM drg_benchmark WHERE name_en IS NOT NULL AND trim(name_en) <> '')
     WHERE k = 1;
