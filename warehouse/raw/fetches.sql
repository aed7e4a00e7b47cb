-- raw.fetches
-- Grain: one row per attempt to fetch one unit's workbook for one year (an append-only
-- log). outcome: 'snapshot' (content read, see snapshot_id), 'not_found', 'error', and
-- for the local folder 'folder': a note on the folder itself (a link or sub-folder refused,
-- two files for one unit, a file that is not a workbook), detail = {"rule", "files"} JSON;
-- for Google Sheets 'register': a register row that could not be used (detail says why).
-- The current submission of a unit and year is the snapshot of its latest 'snapshot' fetch:
-- a failed fetch never replaces the last good one.
-- Columns:
-- - fetch_id: Sequence number of the fetch (raw.fetch_seq): later fetches have higher numbers
-- - year: Report year the fetch was for
-- - unit_code: The unit whose workbook was fetched (for outcome folder or register: the unit
--   the note is about, or the file's stem)
-- - outcome: Result of the fetch: snapshot (content read), not_found, error, folder (a note on
--   the local reports folder) or register (a Google Sheets register row that could not be
--   used)
-- - snapshot_id: The snapshot the content was stored as (outcome snapshot only)
-- - detail: Why a fetch failed, or for outcome folder the JSON note {"rule", "files"}
-- - fetched_at: When the fetch was made (Asia/Ho_Chi_Minh)
-- - drive_version: The spreadsheet's Drive version (a number every change moves on) when a
--   Google Sheets fetch read it; null for local files
-- - source_version: The source's own version of what was read: the spreadsheet's Drive
--   modifiedTime (RFC 3339) for Google Sheets, so that the next pull skips a spreadsheet that
--   has not moved; null for local files (their content hash decides)
create sequence if not exists raw.fetch_seq;
create table if not exists raw.fetches (
    fetch_id bigint primary key default nextval('raw.fetch_seq'),
    year integer not null,
    unit_code varchar not null,
    outcome varchar not null,
    snapshot_id varchar,
    detail varchar,
    fetched_at timestamptz not null,
    drive_version bigint,
    source_version varchar
);
