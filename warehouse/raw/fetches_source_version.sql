-- raw.fetches.source_version
-- The source's own version of what a fetch read: for Google Sheets, the spreadsheet's Drive
-- modifiedTime (RFC 3339), so that the next pull skips a spreadsheet that has not moved.
-- Null for local files (their content hash decides). Google Sheets pulls also log
-- outcome 'register' rows: a register row that could not be used (detail says why).
alter table raw.fetches add column if not exists source_version varchar;
