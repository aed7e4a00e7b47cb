-- raw.register_reads
-- Grain: one row per read of a register spreadsheet (which spreadsheet is each unit's, per
-- year). Append-only. The latest row of a register is reused while the register's Drive
-- modifiedTime has not moved, so an unchanged register costs no request.
create table if not exists raw.register_reads (
    spreadsheet_id varchar not null,
    modified_time varchar not null,
    tab_rows json not null,
    read_at timestamptz not null
);
