-- quality.quarantine.row_shown
-- Beside row_values (the cells as read: from Google Sheets, a date is its serial number,
-- e.g. "45337"), the row as the person saw it in the sheet (that date as "15/02/2024"),
-- keyed by header. For a file the two are the same.
alter table quality.quarantine add column if not exists row_shown json;
