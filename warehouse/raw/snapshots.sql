-- raw.snapshots
-- Grain: one row per distinct content fetched for a unit and year. Immutable: a row is
-- only ever inserted, never updated or deleted; the same content fetched again adds nothing.
-- A file over the size limit (HB_READ_MAX_FILE_MB) is not kept: its row has an empty
-- `content`, the file's real size in `content_bytes`, the SHA-256 of the bytes read to find
-- out (the limit plus one) in `content_sha256`, and the reason in `read_error`.
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
