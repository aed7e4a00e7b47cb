-- Migration 3: the Drive versions that tell the pipeline's own feedback write from a unit's
-- edit: raw.fetches.drive_version, raw.feedback_writes.sheet_id and expected_version.
-- `if not exists`: a warehouse made before versioned migrations may have them already.
alter table raw.feedback_writes add column if not exists sheet_id bigint;
alter table raw.feedback_writes add column if not exists expected_version bigint;
alter table raw.fetches add column if not exists drive_version bigint;
