-- raw.snapshots
-- Grain: one row per distinct content fetched for a unit and year. Immutable: a row is
-- only ever inserted, never updated or deleted; the same content fetched again adds nothing.
-- A file over the size limit (HB_READ_MAX_FILE_MB) is not kept: its row has an empty
-- `content`, the file's real size in `content_bytes`, the SHA-256 of the bytes read to find
-- out (the limit plus one) in `content_sha256`, and the reason in `read_error`.
-- Columns:
-- - snapshot_id: Id of the snapshot: year, unit and the start of the content's SHA-256
-- - year: Report year the content was fetched for
-- - unit_code: The unit whose content it is
-- - source_kind: Where the content came from: local (a file) or gsheets (Google Sheets)
-- - source_ref: File path or spreadsheet address the content was read from
-- - content_sha256: SHA-256 of the content's bytes (of the bytes read, for a file over the
--   size limit)
-- - content_bytes: Size of the content as found, in bytes (for a file over the limit: its real
--   size)
-- - content: The bytes exactly as fetched (empty for a file over the size limit)
-- - tab_names: Every tab name of the workbook, in order, as read
-- - read_error: Why the content could not be read as a workbook (null when it could)
-- - fetched_at: When this content was first fetched (Asia/Ho_Chi_Minh)
create table if not exists raw.snapshots (
    snapshot_id varchar primary key,
    year integer not null,
    unit_code varchar not null,
    source_kind varchar not null,
    source_ref varchar not null,
    content_sha256 varchar not null,
    content_bytes bigint not null,
    content blob not null,
    tab_names varchar[],
    read_error varchar,
    fetched_at timestamptz not null,
    unique (year, unit_code, content_sha256)
);
