-- marts.submission_status
-- Grain: one row per collected year and unit expected to report that year.
-- status: received (valid and marked complete), draft (valid, not marked complete),
-- invalid (unreadable, or a blocking error: wrong unit, wrong year, missing tab/column),
-- missing (no workbook). A report is on time when completed on or before 10 December.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - unit_name: The unit's name in the registry
-- - unit_kind: agency (district agency) or ward
-- - snapshot_id: The unit's current snapshot (null when missing)
-- - source_ref: File path or spreadsheet address of the current snapshot
-- - status: received, draft, invalid or missing (see the grain)
-- - error_count: Issues of severity error or blocking on the current submission
-- - warning_count: Issues of severity warning on the current submission
-- - is_on_time: Received and completed on or before the deadline; false when not received
-- - days_late: Days after the deadline the report was completed (0 when on time)
-- - deadline_on: The year's reporting deadline (10 December)
-- - completed_on: «Ngày hoàn thành báo cáo» in the workbook
-- - first_seen_complete_at: When the pipeline first fetched a version of the report marked
--   complete
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
