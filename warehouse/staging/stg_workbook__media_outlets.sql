-- staging.stg_workbook__media_outlets
-- Grain: one row per accepted row of tab "Cơ quan truyền thông" (one media outlet run by
-- the unit) of a valid current snapshot.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The raw snapshot (raw.snapshots) the row was read from
-- - sheet_row: Row number in the unit's sheet, as the person sees it
-- - outlet_name: «Tên cơ quan, kênh truyền thông» in the workbook
-- - outlet_type: «Loại hình» in the workbook
-- - gender_index_level: «Mức áp dụng Bộ chỉ số về giới» in the workbook
-- - note: «Ghi chú» in the workbook
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
