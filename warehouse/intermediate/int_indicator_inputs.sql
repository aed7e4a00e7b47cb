-- intermediate.int_indicator_inputs
-- Grain: one row per indicator reading (indicator, collected year, scope, scope code, as in
-- the indicator values mart) and row that feeds it: a workbook cell of a counted submission
-- (unit, tab, sheet row, column, snapshot), or a registry row (tab null: an expected unit,
-- a year, an audience group).
-- This is the one definition of each indicator: int_indicator_readings and
-- int_indicator_milestone_readings add these rows up, the figure lineage mart lists the workbook
-- cells among them. Adding an indicator is one CTE here and its line in `final`.
-- * counts_as: numerator / denominator: the reading's numerator (denominator) is the sum of
--   `value` over its numerator (denominator) rows; condition: a cell the reading tests
--   rather than adds (shown in the lineage, never summed);
-- * qualifier: the row counts only towards a milestone with this qualifier
--   (ref.indicator_targets.qualifier); towards any other milestone it adds 0;
-- * registry rows give each reading its value when nothing is reported: 0 where a count
--   starts at zero (CT1 sessions, CT2 units, CT4 outlets), null where nothing reported means
--   no data (CT1 of a ward whose report does not count, CT3, CT5).
-- A reading is a rate or a count as ref.indicator_targets.kind says (numerator / denominator
-- capped at 1, or the numerator).
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - year: Report year
-- - scope: What the reading covers: district, audience (CT1 groups) or ward
-- - scope_code: QUAN for the district, the CT1 group key (ref.ct1_audiences) or the ward's
--   unit code
-- - unit_code: The unit whose workbook or registry row feeds the reading (null for a year or
--   an audience group)
-- - tab: Tab of the workbook cell; null for a registry row
-- - sheet_row: Row number of the cell in the unit's sheet, as the person sees it
-- - snapshot_id: The raw snapshot the cell was read from
-- - column_key: The template's key of the cell's column
-- - value: What the row contributes to the reading's numerator or denominator
-- - counts_as: How the row enters the reading: numerator, denominator or condition
-- - qualifier: The milestone qualifier the row counts towards only (CT4: pilot); null: any
create or replace view intermediate.int_indicator_inputs as
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

audiences as (
    select * from ref.ct1_audiences
),

-- CT1: law-dissemination sessions ("Phổ biến pháp luật, chính sách" = Có), by audience group.
law_rows as (
    select activities.*, audiences.scope_code as audience_code
    from activities
    inner join audiences on audiences.audience_vi = activities.audience
    where activities.is_law_dissemination
),

-- CT1 by audience group: the sessions for the group.
ct1_audience as (
    select 'CT1' as indicator_code, years.year, 'audience' as scope, audiences.scope_code,
        0.0::double as value, 'numerator' as counts_as
    from years
    cross join audiences
    union all by name
    select 'CT1' as indicator_code, year, 'audience' as scope, audience_code as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'numerator' as counts_as
    from law_rows
),

-- CT1 for each ward: sessions for residents reported by the ward itself (no data when the
-- ward's report does not count).
ct1_ward as (
    select 'CT1' as indicator_code, expected.year, 'ward' as scope,
        expected.unit_code as scope_code, expected.unit_code,
        case when counted.unit_code is not null then 0.0 end::double as value,
        'numerator' as counts_as
    from expected
    left join counted using (year, unit_code)
    where expected.unit_kind = 'ward'
    union all by name
    select 'CT1' as indicator_code, year, 'ward' as scope, unit_code as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'numerator' as counts_as
    from law_rows
    where unit_kind = 'ward' and audience_code = 'nguoi_dan'
),

-- CT1 for the district: the share of audience groups whose sessions reached the group's
-- target; each group is a registry row (1 of 1 when reached), the sessions are conditions.
ct1_group_sessions as (
    select year, scope_code, sum(value) as sessions from ct1_audience group by all
),

ct1_groups as (
    select ct1_group_sessions.year,
        case when ct1_group_sessions.sessions >= targets.target_value then 1.0 else 0.0 end
            ::double as reached
    from ct1_group_sessions
    inner join targets
        on targets.year = ct1_group_sessions.year
        and targets.indicator_code = 'CT1' and targets.scope = 'audience'
),

ct1_district as (
    select 'CT1' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        reached as value, 'numerator' as counts_as
    from ct1_groups
    union all by name
    select 'CT1' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        1.0::double as value, 'denominator' as counts_as
    from ct1_groups
    union all by name
    select 'CT1' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'condition' as counts_as
    from law_rows
),

-- CT2: expected units that issued an Action Month plan and reported activity 1a, of the
-- expected units (the registry's: no workbook row). The plan answer's sheet row in tab
-- "Thông tin chung" is found in the raw cells the way the parser finds it: the first label
-- that matches accent-, case- and punctuation-insensitively.
plan_cells as (
    select cells.snapshot_id, min(cells.row_number) as sheet_row
    from raw.cells as cells
    inner join counted using (snapshot_id)
    where cells.column_number = 1
        and trim(regexp_replace(strip_accents(replace(lower(nfc_normalize(cells.tab_name)),
            'đ', 'd')), '[^0-9a-z]+', ' ', 'g'))
            = 'thong tin chung'
        and trim(regexp_replace(strip_accents(replace(lower(nfc_normalize(cells.value_text)),
            'đ', 'd')), '[^0-9a-z]+', ' ', 'g'))
            = 'da ban hanh ke hoach thang hanh dong'
    group by all
),

ran_action_month as (
    select distinct year, unit_code from activities where activity_code = '1a'
),

ct2 as (
    select 'CT2' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        0.0::double as value, 'numerator' as counts_as
    from years
    union all by name
    select 'CT2' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 1.0::double as value, 'denominator' as counts_as
    from expected
    union all by name
    select 'CT2' as indicator_code, counted.year, 'district' as scope, 'QUAN' as scope_code,
        counted.unit_code, 'Thông tin chung' as tab, plan_cells.sheet_row, counted.snapshot_id,
        'action_month_plan' as column_key,
        case when counted.action_month_plan and ran_action_month.unit_code is not null
            then 1.0 else 0.0 end::double as value,
        'numerator' as counts_as
    from counted
    left join plan_cells using (snapshot_id)
    left join ran_action_month using (year, unit_code)
    union all by name
    select 'CT2' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'condition' as counts_as
    from activities
    where activity_code = '1a'
),

-- CT3: people with correct awareness of those surveyed (survey years only).
survey as (
    select survey.*
    from staging.stg_workbook__survey_responses as survey
    inner join counted using (year, unit_code, snapshot_id)
),

ct3 as (
    select 'CT3' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        null::double as value, counts_as
    from years
    cross join (values ('numerator'), ('denominator')) as parts(counts_as)
    union all by name
    select 'CT3' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Khảo sát nhận thức' as tab, sheet_row, snapshot_id,
        'respondents_aware' as column_key, respondents_aware::double as value,
        'numerator' as counts_as
    from survey
    union all by name
    select 'CT3' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Khảo sát nhận thức' as tab, sheet_row, snapshot_id,
        'respondents' as column_key, respondents::double as value, 'denominator' as counts_as
    from survey
),

-- CT4: media outlets applying the gender index, of all outlets; an outlet at pilot level
-- counts only towards a milestone that accepts pilots (qualifier 'pilot').
outlets as (
    select outlets.*
    from staging.stg_workbook__media_outlets as outlets
    inner join counted using (year, unit_code, snapshot_id)
),

ct4 as (
    select 'CT4' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        0.0::double as value, counts_as
    from years
    cross join (values ('numerator'), ('denominator')) as parts(counts_as)
    union all by name
    select 'CT4' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Cơ quan truyền thông' as tab, sheet_row, snapshot_id,
        'gender_index_level' as column_key,
        case when gender_index_level in ('Chính thức', 'Thí điểm') then 1.0 else 0.0 end
            ::double as value,
        'numerator' as counts_as,
        case when gender_index_level = 'Thí điểm' then 'pilot' end as qualifier
    from outlets
    union all by name
    select 'CT4' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Cơ quan truyền thông' as tab, sheet_row, snapshot_id,
        'outlet_name' as column_key, 1.0::double as value, 'denominator' as counts_as
    from outlets
),

-- CT5: community conventions passed with no gender discrimination, of those passed, for
-- the district and for each ward.
conventions as (
    select conventions.*, counted.unit_kind
    from staging.stg_workbook__conventions as conventions
    inner join counted using (year, unit_code, snapshot_id)
),

convention_cells as (
    select year, unit_code, unit_kind, sheet_row, snapshot_id,
        'conventions_non_discriminatory' as column_key,
        conventions_non_discriminatory::double as value, 'numerator' as counts_as
    from conventions
    union all
    select year, unit_code, unit_kind, sheet_row, snapshot_id, 'conventions_total',
        conventions_total::double, 'denominator'
    from conventions
),

ct5 as (
    select 'CT5' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        null::double as value, counts_as
    from years
    cross join (values ('numerator'), ('denominator')) as parts(counts_as)
    union all by name
    select 'CT5' as indicator_code, year, 'ward' as scope, unit_code as scope_code,
        unit_code, null::double as value, counts_as
    from expected
    cross join (values ('numerator'), ('denominator')) as parts(counts_as)
    where unit_kind = 'ward'
    union all by name
    select 'CT5' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Hương ước, quy ước' as tab, sheet_row, snapshot_id, column_key, value,
        counts_as
    from convention_cells
    union all by name
    select 'CT5' as indicator_code, year, 'ward' as scope, unit_code as scope_code,
        unit_code, 'Hương ước, quy ước' as tab, sheet_row, snapshot_id, column_key, value,
        counts_as
    from convention_cells
    where unit_kind = 'ward'
),

final as (
    select * from ct1_audience
    union all by name select * from ct1_ward
    union all by name select * from ct1_district
    union all by name select * from ct2
    union all by name select * from ct3
    union all by name select * from ct4
    union all by name select * from ct5
)

select
    indicator_code::varchar as indicator_code,
    year::integer as year,
    scope::varchar as scope,
    scope_code::varchar as scope_code,
    unit_code::varchar as unit_code,
    tab::varchar as tab,
    sheet_row::integer as sheet_row,
    snapshot_id::varchar as snapshot_id,
    column_key::varchar as column_key,
    value::double as value,
    counts_as::varchar as counts_as,
    qualifier::varchar as qualifier
from final
