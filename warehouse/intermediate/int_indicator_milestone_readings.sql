-- intermediate.int_indicator_milestone_readings
-- Grain: one row per indicator, collected year, scope, scope code and milestone year of
-- that indicator and scope (ref.indicator_targets): the reading as that milestone measures
-- it, so that a series assessed against one milestone is measured the same way every year.
-- Every reading is the one of int_indicator_readings except CT4, whose numerator depends on
-- the milestone's qualifier (pilot: outlets at pilot or official level; official: official
-- level only); int_indicator_readings measures CT4 only at the level of the year's nearest
-- milestone. Rates are capped at 1, with the cap guarded by a case (least() ignores nulls).
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
with years as (
    select distinct year from staging.stg_registry__expected_units
),

readings as (
    select * from intermediate.int_indicator_readings
),

milestones as (
    select * from ref.indicator_targets
),

counted as (
    select * from intermediate.int_counted_submissions
),

outlets as (
    select outlets.*
    from staging.stg_workbook__media_outlets as outlets
    inner join counted using (year, unit_code, snapshot_id)
),

same_every_milestone as (
    select readings.*, milestones.milestone_year
    from readings
    inner join milestones using (indicator_code, scope)
    where readings.indicator_code <> 'CT4'
),

ct4_counts as (
    select
        'CT4' as indicator_code,
        years.year,
        milestones.scope,
        'QUAN' as scope_code,
        milestones.milestone_year,
        count(outlets.outlet_name) filter (
            where outlets.gender_index_level = 'Chính thức'
            or (milestones.qualifier = 'pilot' and outlets.gender_index_level = 'Thí điểm')
        )::double as numerator,
        count(outlets.outlet_name)::double as denominator
    from years
    cross join milestones
    left join outlets on outlets.year = years.year
    where milestones.indicator_code = 'CT4' and milestones.scope = 'district'
    group by all
),

ct4 as (
    select
        *,
        case
            when denominator > 0 and numerator / denominator > 1 then 1.0
            when denominator > 0 then numerator / denominator
        end as value
    from ct4_counts
),

final as (
    select * from same_every_milestone
    union all by name select * from ct4
)

select * from final
