-- raw.snapshots
-- Grain: one row per distinct content fetched for a unit and year. Immutable: a row is
-- only ever inserted, never updated or deleted; the same content fetched again adds nothing.
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
