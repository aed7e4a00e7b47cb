-- marts.budget
-- Grain: one row per year, unit and source of funds (state: ngân sách nhà nước; other:
-- xã hội hóa, tài trợ), in đồng, from received submissions.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - source: state (ngân sách nhà nước) or other (xã hội hóa, tài trợ)
-- - amount_vnd: Amount spent, in đồng
-- - activity_rows: Number of activity rows the amount was summed from
create or replace table marts.budget as
with activities as (
    select * from intermediate.int_counted_activities
),

by_source as (
    select year, unit_code, 'state' as source, budget_state_vnd as amount_vnd
    from activities where budget_state_vnd is not null
    union all
    select year, unit_code, 'other', budget_other_vnd
    from activities where budget_other_vnd is not null
),

final as (
    select year, unit_code, source, sum(amount_vnd) as amount_vnd, count(*) as activity_rows
    from by_source
    group by all
)

select * from final order by year, unit_code, source
