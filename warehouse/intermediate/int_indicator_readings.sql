-- intermediate.int_indicator_readings
-- Grain: one row per indicator, collected year, scope and scope code: what was observed
-- (numerator, denominator, value), before any comparison with a target, added up from
-- intermediate.int_indicator_inputs (where each indicator is defined). A row with a
-- qualifier counts as the milestone of the year asks (int_indicator_targets_by_year: the
-- nearest milestone at or after the year), else adds 0. A rate (ref.indicator_targets.kind;
-- without a target: a reading with denominator rows) is numerator / denominator, capped at
-- 1 (100%), null without a positive denominator; a count is its numerator. A value is null
-- when nothing was reported to compute it from.
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - year: Report year
-- - scope: What the reading covers: district, audience (CT1 groups) or ward
-- - scope_code: QUAN for the district, the CT1 group key (ref.ct1_audiences) or the ward's
--   unit code
-- - numerator: Numerator of a rate, or the count observed
-- - denominator: Denominator of a rate (null for counts)
-- - value: The reading: a rate as a fraction of 1 (capped at 1), or a count; null when nothing
--   was reported
create or replace view intermediate.int_indicator_readings as
with inputs as (
    select * from intermediate.int_indicator_inputs
),

targets as (
    select * from intermediate.int_indicator_targets_by_year
),

kinds as (
    select distinct indicator_code, scope, kind from ref.indicator_targets
),

measured as (
    select
        inputs.*,
        case when inputs.qualifier is not null
            and inputs.qualifier is distinct from targets.qualifier then 0.0
            else inputs.value end as counted_value
    from inputs
    left join targets using (year, indicator_code, scope)
    where inputs.counts_as in ('numerator', 'denominator')
),

sums as (
    select
        indicator_code,
        year,
        scope,
        scope_code,
        sum(counted_value) filter (where counts_as = 'numerator') as numerator,
        sum(counted_value) filter (where counts_as = 'denominator') as denominator,
        count(*) filter (where counts_as = 'denominator') > 0 as has_denominator
    from measured
    group by all
),

final as (
    select
        sums.indicator_code,
        sums.year,
        sums.scope,
        sums.scope_code,
        sums.numerator,
        sums.denominator,
        case
            when coalesce(kinds.kind = 'count', not sums.has_denominator) then sums.numerator
            when sums.denominator > 0 and sums.numerator / sums.denominator > 1 then 1.0
            when sums.denominator > 0 then sums.numerator / sums.denominator
        end as value
    from sums
    left join kinds using (indicator_code, scope)
)

select * from final
