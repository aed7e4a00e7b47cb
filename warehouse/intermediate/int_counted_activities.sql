-- intermediate.int_counted_activities
-- Grain: one row per accepted activity row of a counted ("received") submission.
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
