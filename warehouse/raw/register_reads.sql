-- raw.register_reads
-- Grain: one row per read of a register spreadsheet (which spreadsheet is each unit's, per
-- year). Append-only. The latest row of a register is reused while the register's Drive
-- modifiedTime has not moved, so an unchanged register costs no request.
-- Columns:
-- - spreadsheet_id: Google Sheets id of the register spreadsheet
-- - modified_time: The register's Drive modifiedTime when read (RFC 3339): while it has not
--   moved, the row is reused
-- - tab_rows: The register's cells as read, by tab (JSON)
-- - read_at: When the register was read, or written to (Asia/Ho_Chi_Minh)
-- - drive_version: The register's Drive version when it was read
-- - expected_version: Set on a row that records the pipeline's own write of the status tab:
--   the Drive version expected if nobody else changed the register; the next pull finding
--   exactly that version reuses the cells instead of reading them again
create table if not exists raw.register_reads (
    spreadsheet_id varchar not null,
    modified_time varchar not null,
    tab_rows json not null,
    read_at timestamptz not null,
    drive_version bigint,
    expected_version bigint
);
