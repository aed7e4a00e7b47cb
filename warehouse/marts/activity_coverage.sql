-- marts.activity_coverage
-- Grain: one row per collected year, activity running that year and expected unit that
-- leads it (chủ trì): whether that unit reported the activity in a received submission.
-- Columns:
-- - year: Report year
-- - task_group: Task group of the plan (1 … 7)
-- - activity_code: Code of the plan's activity (ref.activities)
-- - unit_code: The expected unit that leads (chủ trì) the activity
-- - unit_kind: agency (district agency) or ward
-- - rows_reported: Activity rows the unit reported for the activity in its received submission
-- - sessions: Sessions or products those rows report (Số cuộc, số lượng)
-- - is_reported: Whether the lead unit reported the activity in a received submission
create or replace table marts.activity_coverage as
with expected as (
    select * from staging.stg_registry__expected_units
),

activities as (
    select * from ref.activities
),

leads as (
    select * from ref.activity_units where role = 'lead'
),

reported as (
    select year, unit_code, activity_code, count(*) as rows_reported, sum(sessions) as sessions
    from intermediate.int_counted_activities
    group by all
),

lead_units as (
    select distinct expected.year, activities.activity_code, activities.task_group,
        expected.unit_code, expected.unit_kind
    from activities
    inner join leads using (activity_code)
    inner join expected
        on leads.unit_selector = expected.unit_code
        or leads.unit_selector = 'kind:' || expected.unit_kind
    where activities.years is null
        or list_contains(string_split(activities.years, ';'), expected.year::varchar)
),

final as (
    select
        lead_units.year,
        lead_units.task_group,
        lead_units.activity_code,
        lead_units.unit_code,
        lead_units.unit_kind,
        coalesce(reported.rows_reported, 0) as rows_reported,
        coalesce(reported.sessions, 0) as sessions,
        reported.unit_code is not null as is_reported
    from lead_units
    left join reported using (year, unit_code, activity_code)
)

select * from final order by year, activity_code, unit_code
