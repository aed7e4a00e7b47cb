-- quality.issues
-- Grain: one row per failed check per cell (or per tab or workbook when no single cell is
-- at fault) of the current snapshot of a unit and year.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The snapshot checked (null when the issue is about a fetch, not a content)
-- - tab: Tab name as the template names it (or the workbook as a whole)
-- - sheet_row: Row number in the unit's sheet, as the person sees it.; null when no single row
--   is at fault
-- - column_key: The template's key of the column at fault (null when no single column is)
-- - column_header: The column header (or label) as the template names it
-- - value: The cell's value as read
-- - rule: Name of the failed check
-- - severity: warning (kept), error (row quarantined) or blocking (submission invalid)
-- - message_vi: What to fix, in Vietnamese, naming unit, tab, row, column and value
create table if not exists quality.issues (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar,
    tab varchar not null,
    sheet_row integer,
    column_key varchar,
    column_header varchar,
    value varchar,
    rule varchar not null,
    severity varchar not null,
    message_vi varchar not null
);
