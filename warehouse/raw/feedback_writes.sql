-- raw.feedback_writes
-- Grain: one row per write of a unit's check result into its own spreadsheet (tab
-- «Kết quả kiểm tra»). Append-only. outcome: 'written' (rows_written: how many rows the
-- tab spans now), 'error' (detail says why, in Vietnamese | English). A result identical
-- to the last one written is not sent again, and leaves no row.
create table if not exists raw.feedback_writes (
    year integer not null,
    unit_code varchar not null,
    spreadsheet_id varchar not null,
    result_sha256 varchar not null,
    outcome varchar not null,
    rows_written integer,
    detail varchar,
    written_at timestamptz not null
);
