-- intermediate.int_counted_submissions
-- Grain: one row per year and expected unit whose current submission counts towards the
-- indicators: readable, with no blocking error, and marked complete ("received").
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
