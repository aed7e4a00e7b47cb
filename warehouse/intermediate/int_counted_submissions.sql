-- intermediate.int_counted_submissions
-- Grain: one row per year and expected unit whose current submission counts towards the
-- indicators: readable, with no blocking error, and marked complete ("received").
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - unit_kind: agency (district agency) or ward
-- - snapshot_id: The unit's current snapshot, which counts (raw.snapshots)
-- - action_month_plan: «Đã ban hành kế hoạch Tháng hành động» in the workbook
-- - completed_on: «Ngày hoàn thành báo cáo» in the workbook
create or replace view intermediate.int_counted_submissions as
with expected as (
    select * from staging.stg_registry__expected_units
),

submissions as (
    select * from staging.stg_workbook__submissions
),

final as (
    select
        submissions.year,
        submissions.unit_code,
        expected.unit_kind,
        submissions.snapshot_id,
        submissions.action_month_plan,
        submissions.completed_on
    from submissions
    inner join expected using (year, unit_code)
    where submissions.is_valid and submissions.is_complete
)

select * from final
