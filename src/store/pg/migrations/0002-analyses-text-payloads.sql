-- Report and series are written once and read whole, never queried inside by PostgreSQL: keep them as text
-- (no jsonb parsing on write or read; PGlite runs on the service's event loop, where a 140 kB jsonb write of the
-- chart series took 10-30 ms) and uncompressed (STORAGE EXTERNAL). The summary shown in lists gets a column.
ALTER TABLE analyses ADD COLUMN summary text;
UPDATE analyses SET summary = report->>'summary' WHERE report IS NOT NULL;
ALTER TABLE analyses ALTER COLUMN report TYPE text USING report::text;
ALTER TABLE analyses ALTER COLUMN series TYPE text USING series::text;
ALTER TABLE analyses ALTER COLUMN report SET STORAGE EXTERNAL;
ALTER TABLE analyses ALTER COLUMN series SET STORAGE EXTERNAL;
