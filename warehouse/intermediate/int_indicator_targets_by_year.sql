-- intermediate.int_indicator_targets_by_year
-- Grain: one row per collected year, indicator and scope: the target that applies that
-- year, i.e. the nearest milestone at or after the year (the last one after 2030).
-- Columns:
-- - year: The collected year the target applies to
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - scope: district, audience (CT1 groups) or ward
-- - milestone_year: The nearest milestone at or after the year (the last one after 2030)
-- - target_value: That milestone's target as given in the seed
-- - basis: How target_value reads: absolute, or relative_to_baseline
-- - baseline_year: Year whose value a relative target is measured from (CT3: 2025)
-- - qualifier: What counts towards the target (CT4: pilot or official); null otherwise
-- - due_each_year_from: From this year on the target is judged every year, not only at the
--   milestone
-- - kind: How a reading at this scope reads: rate (numerator / denominator) or count
create or replace view intermediate.int_indicator_targets_by_year as
with years as (
    select distinct year from staging.stg_registry__expected_units
),

targets as (
    select * from ref.indicator_targets
),

ranked as (
    select
        years.year,
        targets.*,
        row_number() over (
            partition by years.year, targets.indicator_code, targets.scope
            order by (targets.milestone_year < years.year), 
                case when targets.milestone_year >= years.year
                    then targets.milestone_year else -targets.milestone_year end
        ) as rank_in_year
    from years
    cross join targets
),

final as (
    select * exclude (rank_in_year) from ranked where rank_in_year = 1
)

select * from final
