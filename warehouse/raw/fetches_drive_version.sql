-- raw.fetches.drive_version
-- The spreadsheet's Drive version (a number every change moves on) when a Google Sheets
-- fetch read it; with raw.feedback_writes.expected_version it tells the pipeline's own
-- feedback write from a unit's edit. Null for local files and older fetches.
alter table raw.fetches add column if not exists drive_version bigint;
