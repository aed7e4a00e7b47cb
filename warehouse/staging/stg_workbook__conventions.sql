-- staging.stg_workbook__conventions
-- Grain: one row per accepted row of tab "Hương ước, quy ước" (one residential group or
-- community) of a valid current snapshot.
create table if not exists staging.stg_workbook__conventions (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    sheet_row integer not null,
    community varchar not null,
    note varchar,
    conventions_total integer not null,
    conventions_non_discriminatory integer not null,
    primary key (year, unit_code, sheet_row)
);
