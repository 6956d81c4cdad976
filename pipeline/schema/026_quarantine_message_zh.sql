-- 026_quarantine_message_zh: a quarantined row's reason in Chinese beside
-- the English `message`, both made from the same catalog format
-- (locales/zh_CN.po) and the same values, so that the quarantine CSV gives
-- the reason in both languages as its header does. NULL for rows
-- quarantined before this column existed.
ALTER TABLE quarantine ADD COLUMN message_zh TEXT;
