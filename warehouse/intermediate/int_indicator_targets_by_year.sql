-- intermediate.int_indicator_targets_by_year
-- Grain: one row per collected year, indicator and scope: the target that applies that
-- year, i.e. the nearest milestone at or after the year (the last one after 2030).
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
