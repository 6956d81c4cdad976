-- 035_reconcile_detail_zh: a record difference's detail in Chinese beside
-- the English `detail`, both made from one catalog format
-- (locales/zh_CN.po) with the same values, so that the differences CSV says
-- it in both languages as its header does. NULL where the detail holds
-- only names and values (dept_differs, dates_differ: the same in both) and
-- for rows stored before this column existed.
ALTER TABLE reconcile_record ADD COLUMN detail_zh TEXT;
