-- staging.stg_workbook__media_outlets
-- Grain: one row per accepted row of tab "Cơ quan truyền thông" (one media outlet run by
-- the unit) of a valid current snapshot.
create table if not exists staging.stg_workbook__media_outlets (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    sheet_row integer not null,
    outlet_name varchar not null,
    outlet_type varchar not null,
    gender_index_level varchar not null,
    note varchar,
    primary key (year, unit_code, sheet_row)
);
