-- raw.register_reads.drive_version, raw.register_reads.expected_version
-- drive_version: the register spreadsheet's Drive version when it was read. A row with
-- expected_version is not a read: the pipeline wrote the status tab into the register and
-- expects that version if nobody else changed it; the next pull finding exactly that
-- version reuses the cells instead of reading them again.
alter table raw.register_reads add column if not exists drive_version bigint;
alter table raw.register_reads add column if not exists expected_version bigint;
