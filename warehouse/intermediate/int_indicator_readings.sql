-- intermediate.int_indicator_readings
-- Grain: one row per indicator, collected year, scope and scope code: what was observed
-- (numerator, denominator, value), before any comparison with a target. A value is null
-- when nothing was reported to compute it from. Rates are capped at 1 (100%); note that
-- least() ignores nulls in DuckDB, so every cap is guarded by a case.
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
with years as (
    select distinct year from staging.stg_registry__expected_units
),

expected as (
    select * from staging.stg_registry__expected_units
),

counted as (
    select * from intermediate.int_counted_submissions
),

activities as (
    select * from intermediate.int_counted_activities
),

targets as (
    select * from intermediate.int_indicator_targets_by_year
),

law_sessions as (
    select year, unit_code, audience, sum(sessions) as sessions
    from activities
    where is_law_dissemination
    group by all
),

-- CT1 by audience: law-dissemination sessions for each group the indicator follows.
ct1_audience as (
    select
        'CT1' as indicator_code,
        years.year,
        'audience' as scope,
        aud.scope_code,
        coalesce(sum(law_sessions.sessions), 0)::double as numerator,
        null::double as denominator,
        coalesce(sum(law_sessions.sessions), 0)::double as value
    from years
    cross join ref.ct1_audiences as aud
    left join law_sessions
        on law_sessions.year = years.year and law_sessions.audience = aud.audience_vi
    group by all
),

-- CT1 per ward: sessions for residents reported by the ward itself (null if not received).
ward_law_sessions as (
    select
        expected.year,
        expected.unit_code,
        counted.unit_code is not null as is_counted,
        coalesce(sum(law_sessions.sessions), 0) as sessions
    from expected
    inner join ref.ct1_audiences as aud on aud.scope_code = 'nguoi_dan'
    left join counted using (year, unit_code)
    left join law_sessions
        on law_sessions.year = expected.year
        and law_sessions.unit_code = expected.unit_code
        and law_sessions.audience = aud.audience_vi
    where expected.unit_kind = 'ward'
    group by expected.year, expected.unit_code, counted.unit_code
),

ct1_ward as (
    select
        'CT1' as indicator_code,
        year,
        'ward' as scope,
        unit_code as scope_code,
        case when is_counted then sessions end::double as numerator,
        null::double as denominator,
        numerator as value
    from ward_law_sessions
),

-- CT1 for the district: share of the audience groups that reached their target.
ct1_district as (
    select
        'CT1' as indicator_code,
        ct1_audience.year,
        'district' as scope,
        'QUAN' as scope_code,
        count(*) filter (where ct1_audience.value >= targets.target_value)::double
            as numerator,
        count(*)::double as denominator,
        count(*) filter (where ct1_audience.value >= targets.target_value)::double
            / count(*) as value
    from ct1_audience
    inner join targets
        on targets.year = ct1_audience.year
        and targets.indicator_code = 'CT1' and targets.scope = 'audience'
    group by all
),

-- CT2: expected units that issued an Action Month plan and reported activity 1a.
ran_action_month as (
    select distinct year, unit_code from activities where activity_code = '1a'
),

ct2 as (
    select
        'CT2' as indicator_code,
        expected.year,
        'district' as scope,
        'QUAN' as scope_code,
        count(ran_action_month.unit_code)
            filter (where counted.action_month_plan)::double as numerator,
        count(*)::double as denominator,
        case when denominator > 0 then least(1.0, numerator / denominator) end as value
    from expected
    left join counted using (year, unit_code)
    left join ran_action_month using (year, unit_code)
    group by all
),

-- CT3: share of surveyed people with correct awareness (survey years only).
survey as (
    select survey.*
    from staging.stg_workbook__survey_responses as survey
    inner join counted using (year, unit_code, snapshot_id)
),

ct3 as (
    select
        'CT3' as indicator_code,
        years.year,
        'district' as scope,
        'QUAN' as scope_code,
        sum(survey.respondents_aware)::double as numerator,
        sum(survey.respondents)::double as denominator,
        case when denominator > 0 then least(1.0, numerator / denominator) end as value
    from years
    left join survey on survey.year = years.year
    group by all
),

-- CT4: share of media outlets at the level the year's milestone asks for.
outlets as (
    select outlets.*
    from staging.stg_workbook__media_outlets as outlets
    inner join counted using (year, unit_code, snapshot_id)
),

ct4 as (
    select
        'CT4' as indicator_code,
        years.year,
        'district' as scope,
        'QUAN' as scope_code,
        count(outlets.outlet_name) filter (
            where outlets.gender_index_level = 'Chính thức'
            or (targets.qualifier = 'pilot' and outlets.gender_index_level = 'Thí điểm')
        )::double as numerator,
        count(outlets.outlet_name)::double as denominator,
        case when denominator > 0 then least(1.0, numerator / denominator) end as value
    from years
    inner join targets
        on targets.year = years.year and targets.indicator_code = 'CT4'
        and targets.scope = 'district'
    left join outlets on outlets.year = years.year
    group by all
),

-- CT5: share of community conventions passed with no gender discrimination.
conventions as (
    select conventions.*
    from staging.stg_workbook__conventions as conventions
    inner join counted using (year, unit_code, snapshot_id)
),

ct5_district as (
    select
        'CT5' as indicator_code,
        years.year,
        'district' as scope,
        'QUAN' as scope_code,
        sum(conventions.conventions_non_discriminatory)::double as numerator,
        sum(conventions.conventions_total)::double as denominator,
        case when denominator > 0 then least(1.0, numerator / denominator) end as value
    from years
    left join conventions on conventions.year = years.year
    group by all
),

ct5_ward as (
    select
        'CT5' as indicator_code,
        expected.year,
        'ward' as scope,
        expected.unit_code as scope_code,
        sum(conventions.conventions_non_discriminatory)::double as numerator,
        sum(conventions.conventions_total)::double as denominator,
        case when denominator > 0 then least(1.0, numerator / denominator) end as value
    from expected
    left join conventions using (year, unit_code)
    where expected.unit_kind = 'ward'
    group by all
),

final as (
    select * from ct1_district
    union all by name select * from ct1_audience
    union all by name select * from ct1_ward
    union all by name select * from ct2
    union all by name select * from ct3
    union all by name select * from ct4
    union all by name select * from ct5_district
    union all by name select * from ct5_ward
)

select * from final
