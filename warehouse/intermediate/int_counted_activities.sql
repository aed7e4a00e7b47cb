-- intermediate.int_counted_activities
-- Grain: one row per accepted activity row of a counted ("received") submission.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The counted submission's snapshot (raw.snapshots)
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
-- - unit_kind: agency (district agency) or ward, from the year's expected units
create or replace view intermediate.int_counted_activities as
with activities as (
    select * from staging.stg_workbook__activities
),

counted as (
    select * from intermediate.int_counted_submissions
),

final as (
    select activities.*, counted.unit_kind
    from activities
    inner join counted using (year, unit_code, snapshot_id)
)

select * from final
