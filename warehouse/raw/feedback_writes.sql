-- raw.feedback_writes
-- Grain: one row per write of a unit's check result into its own spreadsheet (tab
-- «Kết quả kiểm tra»). Append-only. outcome: 'written' (rows_written: how many rows the
-- tab spans now), 'error' (detail says why, in Vietnamese | English). A result identical
-- to the last one written is not sent again, and leaves no row.
-- Columns:
-- - year: Report year whose check result was written
-- - unit_code: The unit whose spreadsheet received the result
-- - spreadsheet_id: Google Sheets id of the unit's spreadsheet written to
-- - result_sha256: SHA-256 of the result written: an identical result is not sent again
-- - outcome: Result of the write: written or error
-- - rows_written: How many rows the tab «Kết quả kiểm tra» spans after the write (null on
--   error)
-- - detail: Why the write failed, in Vietnamese | English (null when written)
-- - written_at: When the write was made (Asia/Ho_Chi_Minh)
-- - sheet_id: The sheetId of the tab «Kết quả kiểm tra», so that the next write goes straight
--   to it
-- - expected_version: The Drive version the spreadsheet has after this write if nobody else
--   changed it (the version the pipeline last knew, plus one); a pull finding exactly that
--   version knows the change was its own and does not read the spreadsheet again
create table if not exists raw.feedback_writes (
    year integer not null,
    unit_code varchar not null,
    spreadsheet_id varchar not null,
    result_sha256 varchar not null,
    outcome varchar not null,
    rows_written integer,
    detail varchar,
    written_at timestamptz not null,
    sheet_id bigint,
    expected_version bigint
);
