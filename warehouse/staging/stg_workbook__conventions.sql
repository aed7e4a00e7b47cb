-- staging.stg_workbook__conventions
-- Grain: one row per accepted row of tab "Hương ước, quy ước" (one residential group or
-- community) of a valid current snapshot.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The raw snapshot (raw.snapshots) the row was read from
-- - sheet_row: Row number in the unit's sheet, as the person sees it
-- - community: «Tổ dân phố, cộng đồng» in the workbook
-- - note: «Ghi chú» in the workbook
-- - conventions_total: «Số hương ước, quy ước đã thông qua» in the workbook
-- - conventions_non_discriminatory: «Trong đó không có nội dung phân biệt đối xử về giới» in
--   the workbook
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
