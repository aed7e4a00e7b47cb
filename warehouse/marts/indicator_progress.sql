-- marts.indicator_progress
-- Grain: one row per collected year from the first milestone on (the review years and every
-- year after), indicator, scope, scope code and milestone year of that indicator and scope:
-- the assessment of the year's value against that milestone's target.
-- Method (Open SDG / Statistics Canada, see DOMAIN.md):
-- * binary indicators (measure other than 'rate': CT1 for each audience, each ward and the
--   district): achieved when the value reaches the target, else not_achieved;
-- * rates (CT2–CT5): base year = the target's baseline_year when set (CT3: the 2025 survey),
--   else the first collected year with a value; a relative target is base × (1 + target);
--   targets and values are capped at 1 (100%); a base or target of 0 becomes 0.001 in the
--   growth rates only;
--   observed_cagr = (current / base)^(1 / (year − base_year)) − 1;
--   required_cagr = (target / base)^(1 / (milestone_year − base_year)) − 1;
--   progress_ratio = observed_cagr / |required_cagr| (Open SDG takes the magnitude of the
--   required rate, so a fall below a target the base already met reads as a deterioration);
--   gap_closed_share = (current − base) / (target − base), null when target = base.
-- status, first rule that applies:
--   no_data (no value this year); achieved (value >= target); not_achieved (binary, or a
--   rate whose milestone year has come: growth bands no longer apply); cannot_assess (no
--   target, or no base value before the year: fewer than 2 years of data); on_track
--   (ratio >= 0.95); acceleration_needed (0.60 <= ratio < 0.95); limited_progress
--   (0 <= ratio < 0.60); deterioration (ratio < 0, or a fall when the target equals the base).
-- least()/greatest() ignore nulls in DuckDB: every cap below is a case.
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - year: The assessed year
-- - scope: What the reading covers: district, audience (CT1 groups) or ward
-- - scope_code: QUAN for the district, the CT1 group key (ref.ct1_audiences) or the ward's
--   unit code
-- - milestone_year: The milestone assessed against (2025 or 2030)
-- - base_year: First collected year with a value, or the target's baseline_year: the start of
--   the growth measured (CT3: 2025)
-- - base_value: Indicator value in base_year
-- - current_value: Indicator value in the assessed year
-- - target: The milestone's target (for a relative target: base × (1 + target)), capped at 1
--   for rates
-- - observed_cagr: Observed compound annual growth from base_year to the assessed year
-- - required_cagr: Compound annual growth needed from base_year to reach the target by
--   milestone_year
-- - progress_ratio: observed_cagr / |required_cagr| (Open SDG): ≥ 0.95 on track, 0.60–0.95
--   acceleration needed, 0–0.60 limited progress, < 0 deterioration
-- - gap_closed_share: Share of the gap between base_value and target closed by current_value
-- - status: no_data, achieved, not_achieved, cannot_assess, on_track, acceleration_needed,
--   limited_progress or deterioration (see the grain)
create or replace table marts.indicator_progress as
with readings as (
    select * from intermediate.int_indicator_milestone_readings
),

milestones as (
    select * from ref.indicator_targets
),

indicators as (
    select * from ref.indicators
),

first_years as (
    select indicator_code, scope, scope_code, milestone_year, min(year) as first_year
    from readings
    where value is not null
    group by all
),

series as (
    select
        readings.indicator_code,
        readings.year,
        readings.scope,
        readings.scope_code,
        readings.milestone_year,
        readings.value as current_value,
        indicators.measure = 'rate' as is_rate,
        milestones.target_value,
        milestones.basis,
        case when indicators.measure = 'rate'
            then coalesce(milestones.baseline_year, first_years.first_year)
        end as base_year
    from readings
    inner join milestones using (indicator_code, scope, milestone_year)
    inner join indicators using (indicator_code)
    left join first_years using (indicator_code, scope, scope_code, milestone_year)
    where readings.year >= (select min(milestone_year) from milestones)
),

with_base as (
    select
        series.*,
        base.value as base_value
    from series
    left join readings as base
        on base.indicator_code = series.indicator_code
        and base.scope = series.scope
        and base.scope_code = series.scope_code
        and base.milestone_year = series.milestone_year
        and base.year = series.base_year
),

with_target as (
    select
        *,
        case
            when basis = 'relative_to_baseline' and base_value is null then null
            when basis = 'relative_to_baseline' then base_value * (1 + target_value)
            else target_value
        end as uncapped_target,
        case
            when is_rate and uncapped_target > 1 then 1.0
            else uncapped_target
        end as target,
        is_rate and base_value is not null and current_value is not null
            and base_year < year as can_grow
    from with_base
),

growth as (
    select
        *,
        case when base_value = 0 then 0.001 else base_value end as growth_base,
        case when target = 0 then 0.001 else target end as growth_target,
        case when can_grow
            then pow(current_value / growth_base, 1.0 / (year - base_year)) - 1
        end as observed_cagr,
        case when can_grow and target is not null and milestone_year > base_year
            then pow(growth_target / growth_base, 1.0 / (milestone_year - base_year)) - 1
        end as required_cagr,
        case when required_cagr <> 0 then observed_cagr / abs(required_cagr) end
            as progress_ratio,
        case when can_grow and target <> base_value
            then (current_value - base_value) / (target - base_value)
        end as gap_closed_share
    from with_target
),

final as (
    select
        indicator_code,
        year,
        scope,
        scope_code,
        milestone_year,
        base_year,
        base_value,
        current_value,
        target,
        observed_cagr,
        required_cagr,
        progress_ratio,
        gap_closed_share,
        case
            when current_value is null then 'no_data'
            when target is not null and current_value >= target - 1e-9 then 'achieved'
            when not is_rate then 'not_achieved'
            when target is null then 'cannot_assess'
            when year >= milestone_year then 'not_achieved'
            when not can_grow then 'cannot_assess'
            when progress_ratio >= 0.95 then 'on_track'
            when progress_ratio >= 0.60 then 'acceleration_needed'
            when progress_ratio >= 0 then 'limited_progress'
            when progress_ratio < 0 then 'deterioration'
            when observed_cagr < 0 then 'deterioration'
            else 'cannot_assess'
        end as status
    from growth
)

select * from final
order by indicator_code, year, scope, scope_code, milestone_year
