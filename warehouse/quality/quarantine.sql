-- quality.quarantine
-- Grain: one row per workbook row kept out of staging (a row with an error, or every row of
-- an invalid submission), with the reason and the row's cells as read, keyed by header.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The raw snapshot (raw.snapshots) the row was read from
-- - tab: Tab name as the template names it
-- - sheet_row: Row number in the unit's sheet, as the person sees it
-- - reason_vi: Why the row was kept out of staging, in Vietnamese
-- - row_values: The row's cells as read, keyed by header (JSON): from Google Sheets a date is
--   its serial number, e.g. "45337"
-- - row_shown: The row as the person saw it in the sheet, keyed by header (JSON): that date as
--   "15/02/2024"; for a file the same as row_values
create table if not exists quality.quarantine (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    tab varchar not null,
    sheet_row integer not null,
    reason_vi varchar not null,
    row_values json,
    row_shown json,
    primary key (year, unit_code, tab, sheet_row)
);
