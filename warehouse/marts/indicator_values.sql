-- marts.indicator_values
-- Grain: one row per indicator, collected year, scope (district; audience for CT1; ward for
-- CT1 and CT5) and scope code. `target` is the value to reach by `milestone_year`;
-- status: achieved, not_achieved (due and not reached), not_yet_due, no_data.
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - year: Report year
-- - scope: What the reading covers: district, audience (CT1 groups) or ward
-- - scope_code: QUAN for the district, the CT1 group key (ref.ct1_audiences) or the ward's
--   unit code
-- - numerator: Numerator of a rate, or the count observed
-- - denominator: Denominator of a rate (null for counts)
-- - value: Indicator value: a rate as a fraction of 1 (capped at 1), or a count; null when
--   nothing was reported
-- - target: Value to reach by milestone_year (the nearest milestone at or after the year)
-- - milestone_year: Year by which the target must be reached (2025 or 2030)
-- - basis: How the target reads: absolute, or relative_to_baseline
-- - qualifier: What counts towards the target (CT4: pilot or official); null otherwise
-- - baseline_year: Year whose value a relative target is measured from (CT3: 2025)
-- - baseline_value: Value of the indicator in baseline_year
-- - status: achieved, not_achieved (due and not reached), not_yet_due or no_data
create or replace table marts.indicator_values as
with readings as (
    select * from intermediate.int_indicator_readings
),

targets as (
    select * from intermediate.int_indicator_targets_by_year
),

baselines as (
    select indicator_code, scope, scope_code, year as baseline_year, value as baseline_value
    from readings
),

joined as (
    select
        readings.*,
        targets.milestone_year,
        targets.basis,
        targets.qualifier,
        targets.due_each_year_from,
        baselines.baseline_year,
        baselines.baseline_value,
        case targets.basis
            when 'relative_to_baseline'
                then case when baselines.baseline_value is not null
                    then least(1.0, baselines.baseline_value * (1 + targets.target_value)) end
            else targets.target_value
        end as target
    from readings
    left join targets using (year, indicator_code, scope)
    left join baselines
        on baselines.indicator_code = readings.indicator_code
        and baselines.scope = readings.scope
        and baselines.scope_code = readings.scope_code
        and baselines.baseline_year = targets.baseline_year
),

final as (
    select
        indicator_code,
        year,
        scope,
        scope_code,
        numerator,
        denominator,
        value,
        target,
        milestone_year,
        basis,
        qualifier,
        baseline_year,
        baseline_value,
        case
            when value is null then 'no_data'
            when target is not null and value >= target - 1e-9 then 'achieved'
            when year >= milestone_year or year >= due_each_year_from then 'not_achieved'
            else 'not_yet_due'
        end as status
    from joined
)

select * from final order by indicator_code, year, scope, scope_code
