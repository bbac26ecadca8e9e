-- The HTML report page, drawn once per finished analysis and served from here afterwards (issue 12: drawing took
-- 3-11 s under load). `report_page_key` names the renderer that drew it (a fingerprint of the drawing code and the
-- package manifest): a page drawn by other code is never served. Text, uncompressed, like report and series.
ALTER TABLE analyses ADD COLUMN report_page text;
ALTER TABLE analyses ADD COLUMN report_page_key text;
ALTER TABLE analyses ALTER COLUMN report_page SET STORAGE EXTERNAL;
