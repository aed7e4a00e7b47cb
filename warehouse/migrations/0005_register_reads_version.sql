-- Migration 5: raw.register_reads.drive_version and expected_version, so that the status
-- tab the pipeline writes into a register is not read back as a change.
-- `if not exists`: a warehouse made before versioned migrations may have them already.
alter table raw.register_reads add column if not exists drive_version bigint;
alter table raw.register_reads add column if not exists expected_version bigint;
