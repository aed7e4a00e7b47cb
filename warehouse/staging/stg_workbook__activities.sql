-- staging.stg_workbook__activities
-- Grain: one row per accepted row of tab "Hoạt động" of a valid current snapshot.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The raw snapshot (raw.snapshots) the row was read from
-- - sheet_row: Row number in the unit's sheet, as the person sees it
-- - activity_code: «Mã hoạt động» in the workbook
-- - description: «Nội dung» in the workbook
-- - form: «Hình thức» in the workbook
-- - audience: «Đối tượng» in the workbook
-- - note: «Ghi chú» in the workbook
-- - sessions: «Số cuộc, số lượng» in the workbook
-- - participants: «Số người tham dự» in the workbook
-- - participants_female: «Trong đó nữ» in the workbook
-- - budget_state_vnd: «Kinh phí ngân sách (đồng)» in the workbook
-- - budget_other_vnd: «Kinh phí xã hội hóa, tài trợ (đồng)» in the workbook
-- - is_law_dissemination: «Phổ biến pháp luật, chính sách» in the workbook
-- - is_electronic: «Hình thức điện tử» in the workbook
-- - started_on: «Từ ngày» in the workbook
-- - ended_on: «Đến ngày» in the workbook
create table if not exists staging.stg_workbook__activities (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    sheet_row integer not null,
    activity_code varchar not null,
    description varchar not null,
    form varchar not null,
    audience varchar not null,
    note varchar,
    sessions integer not null,
    participants integer,
    participants_female integer,
    budget_state_vnd double,
    budget_other_vnd double,
    is_law_dissemination boolean not null,
    is_electronic boolean not null,
    started_on date,
    ended_on date,
    primary key (year, unit_code, sheet_row)
);
