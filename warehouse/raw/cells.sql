-- raw.cells
-- Grain: one row per non-empty cell of every tab of a snapshot, as read (extra columns,
-- title rows and notes included). Immutable, written with its snapshot.
-- Columns:
-- - snapshot_id: The snapshot (raw.snapshots) the cell belongs to
-- - tab_index: Position of the tab in the workbook (0 = first)
-- - tab_name: Tab name as the unit's workbook has it
-- - row_number: 1-based row number, as the person sees it
-- - column_number: 1-based column number, as the person sees it (A = 1)
-- - value_type: How the cell was stored: text, number, date or bool
-- - value_text: The cell's value as text (a date as ISO 8601, a number as written by the
--   reader)
create table if not exists raw.cells (
    snapshot_id varchar not null,
    tab_index integer not null,
    tab_name varchar not null,
    row_number integer not null,
    column_number integer not null,
    value_type varchar not null,
    value_text varchar not null
);
