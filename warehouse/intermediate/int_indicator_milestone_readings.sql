-- intermediate.int_indicator_milestone_readings
-- Grain: one row per indicator, collected year, scope, scope code and milestone year of
-- that indicator and scope (ref.indicator_targets): the reading as that milestone measures
-- it, so that a series assessed against one milestone is measured the same way every year.
-- Added up from intermediate.int_indicator_inputs as int_indicator_readings does, except
-- that a row with a qualifier counts when this milestone's qualifier is the same (CT4: an
-- outlet at pilot level counts towards the 2025 milestone, not towards 2030's).
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - year: Report year
-- - scope: What the reading covers: district, audience (CT1 groups) or ward
-- - scope_code: QUAN for the district, the CT1 group key (ref.ct1_audiences) or the ward's
--   unit code
-- - numerator: Numerator of a rate as the milestone counts it (CT4: outlets at the milestone's
--   qualifier), or the count observed
-- - denominator: Denominator of a rate (null for counts)
-- - value: The reading: a rate as a fraction of 1 (capped at 1), or a count; null when nothing
--   was reported
-- - milestone_year: The milestone the reading is measured for (ref.indicator_targets)
create or replace view intermediate.int_indicator_milestone_readings as
with inputs as (
    select * from intermediate.int_indicator_inputs
),

milestones as (
    select * from ref.indicator_targets
),

measured as (
    select
        inputs.*,
        milestones.milestone_year,
        milestones.kind,
        case when inputs.qualifier is not null
            and inputs.qualifier is distinct from milestones.qualifier then 0.0
            else inputs.value end as counted_value
    from inputs
    inner join milestones using (indicator_code, scope)
    where inputs.counts_as in ('numerator', 'denominator')
),

sums as (
    select
        indicator_code,
        year,
        scope,
        scope_code,
        milestone_year,
        kind,
        sum(counted_value) filter (where counts_as = 'numerator') as numerator,
        sum(counted_value) filter (where counts_as = 'denominator') as denominator
    from measured
    group by all
),

final as (
    select
        indicator_code,
        year,
        scope,
        scope_code,
        milestone_year,
        numerator,
        denominator,
        case
            when kind = 'count' then numerator
            when denominator > 0 and numerator / denominator > 1 then 1.0
            when denominator > 0 then numerator / denominator
        end as value
    from sums
)

select * from final
