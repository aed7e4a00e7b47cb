-- marts.submission_status
-- Grain: one row per collected year and unit expected to report that year.
-- status: received (valid and marked complete), draft (valid, not marked complete),
-- invalid (unreadable, or a blocking error: wrong unit, wrong year, missing tab/column),
-- missing (no workbook). A report is on time when completed on or before 10 December.
create or replace table marts.submission_status as
with expected as (
    select * from staging.stg_registry__expected_units
),

submissions as (
    select * from staging.stg_workbook__submissions
),

issue_counts as (
    select
        year,
        unit_code,
        count(*) filter (where severity in ('error', 'blocking')) as error_count,
        count(*) filter (where severity = 'warning') as warning_count
    from quality.issues
    group by all
),

joined as (
    select
        expected.year,
        expected.unit_code,
        expected.unit_name,
        expected.unit_kind,
        submissions.snapshot_id,
        submissions.source_ref,
        case
            when submissions.unit_code is null then 'missing'
            when not submissions.is_valid then 'invalid'
            when not submissions.is_complete then 'draft'
            else 'received'
        end as status,
        coalesce(issue_counts.error_count, 0) as error_count,
        coalesce(issue_counts.warning_count, 0) as warning_count,
        expected.deadline_on,
        submissions.completed_on,
        submissions.first_seen_complete_at
    from expected
    left join submissions using (year, unit_code)
    left join issue_counts using (year, unit_code)
),

final as (
    select
        year,
        unit_code,
        unit_name,
        unit_kind,
        snapshot_id,
        source_ref,
        status,
        error_count,
        warning_count,
        case
            when status <> 'received' then false
            when completed_on is null then null
            else completed_on <= deadline_on
        end as is_on_time,
        case when status = 'received' then greatest(0, completed_on - deadline_on) end
            as days_late,
        deadline_on,
        completed_on,
        first_seen_complete_at
    from joined
)

select * from final order by year, unit_kind, unit_code
