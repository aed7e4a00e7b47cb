-- marts.activity_coverage
-- Grain: one row per collected year, activity running that year and expected unit that
-- leads it (chủ trì): whether that unit reported the activity in a received submission.
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
