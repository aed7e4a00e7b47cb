-- raw.fetches
-- Grain: one row per attempt to fetch one unit's workbook for one year (an append-only
-- log). outcome: 'snapshot' (content read, see snapshot_id), 'not_found', 'error', and
-- for the local folder 'folder': a note on the folder itself (a link or sub-folder refused,
-- two files for one unit, a file that is not a workbook), detail = {"rule", "files"} JSON.
-- The current submission of a unit and year is the snapshot of its latest 'snapshot' fetch:
-- a failed fetch never replaces the last good one.
create sequence if not exists raw.fetch_seq;
create table if not exists raw.fetches (
    fetch_id bigint primary key default nextval('raw.fetch_seq'),
    year integer not null,
    unit_code varchar not null,
    outcome varchar not null,
    snapshot_id varchar,
    detail varchar,
    fetched_at timestamptz not null
);
