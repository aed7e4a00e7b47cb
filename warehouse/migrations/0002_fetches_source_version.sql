-- Migration 2: raw.fetches.source_version, the source's own version of what a fetch read
-- (Google Sheets: the Drive modifiedTime), so that a pull skips a spreadsheet that has not
-- moved. `if not exists`: a warehouse made before versioned migrations may have it already.
alter table raw.fetches add column if not exists source_version varchar;
