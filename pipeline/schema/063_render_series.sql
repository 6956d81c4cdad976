-- 063_render_series: the index render's per-scope reads go through (issue 18).
--
-- Reports read one scope's indicator over a run of months again and again:
-- a KPI card's 13-month sparkline, a trend chart, a department's history.
-- The primary key (period, scope, indicator) serves a period's reads, but a
-- range of periods for one scope and indicator scanned every row of those
-- months (~23 ms per sparkline at 25 months of scale-1.0 data, 671 of them
-- per language in a full run). This index makes it a seek.
CREATE INDEX indicator_value_series ON indicator_value(scope, indicator, period);
