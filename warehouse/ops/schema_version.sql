-- ops.schema_version
-- Grain: one row per schema version of this warehouse (warehouse/migrations/), written in
-- the transaction that brought the warehouse to it. Version 1 is the tables of raw,
-- staging, quality and ops as their files define them; 2, 3 … are the files of
-- warehouse/migrations/. A new warehouse is created at the latest version at once (every
-- row `created`); a warehouse made before versioning gets version 1 (the tables it lacks)
-- and then each migration (`migrated`). Connections of a run's stages check the latest
-- version is here and do no DDL.
-- Columns:
-- - version: Schema version: 1 for the tables as defined, then the number of each file of
--   warehouse/migrations/
-- - name: Name of the version: tables, or the migration file's name without its number
-- - how: created (a new warehouse, made at the latest version at once) or migrated (applied to
--   an existing warehouse)
-- - applied_at: When the version was reached (Asia/Ho_Chi_Minh)
create table if not exists ops.schema_version (
    version integer primary key,
    name varchar not null,
    how varchar not null,
    applied_at timestamptz not null
);
