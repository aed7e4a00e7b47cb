-- marts.figure_lineage
-- Grain: one row per indicator reading (indicator, year, scope, scope code, as in
-- marts.indicator_values) and workbook cell it was computed from: the tab, sheet row and
-- column of a counted submission (valid, marked complete, of an expected unit), with the
-- raw snapshot (file and fetch time) the row was read from.
-- `counts_as` says what the cell does and `value` what it contributes:
-- * numerator / denominator: the sum of `value` over a reading's numerator (denominator)
--   rows is the reading's numerator (denominator). CT1 audience and ward: sessions; CT2: 1
--   for each unit that issued an Action Month plan and reported activity 1a; CT3: people
--   aware / surveyed; CT4: 1 for each outlet at the level the year's milestone asks for /
--   1 for each outlet; CT5: conventions without discrimination / conventions passed;
-- * condition: a cell the reading tests rather than adds (CT1 district: the sessions of each
--   audience group, compared with the group's target; CT2: the 1a activity rows).
-- CT2's denominator is the registry's expected units, not workbook rows: it has no rows here.
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - year: Report year
-- - scope: What the reading covers: district, audience (CT1 groups) or ward
-- - scope_code: QUAN for the district, the CT1 group key (ref.ct1_audiences) or the ward's
--   unit code
-- - unit_code: The unit whose workbook holds the cell
-- - tab: Tab name as the template names it
-- - sheet_row: Row number in the unit's sheet, as the person sees it
-- - snapshot_id: The raw snapshot the cell was read from
-- - source_ref: File path or spreadsheet address of that snapshot
-- - fetched_at: When that snapshot was first fetched (Asia/Ho_Chi_Minh)
-- - column_key: The template's key of the cell's column
-- - value: What the cell contributes to the reading (see counts_as)
-- - counts_as: How the cell enters the figure: numerator, denominator or condition
create or replace table marts.figure_lineage as
with counted as (
    select * from intermediate.int_counted_submissions
),

activities as (
    select * from intermediate.int_counted_activities
),

audiences as (
    select * from ref.ct1_audiences
),

targets as (
    select * from intermediate.int_indicator_targets_by_year
),

snapshots as (
    select snapshot_id, source_ref, fetched_at from raw.snapshots
),

law_rows as (
    select activities.*, audiences.scope_code as audience_code
    from activities
    inner join audiences on audiences.audience_vi = activities.audience
    where activities.is_law_dissemination
),

ct1_audience as (
    select 'CT1' as indicator_code, year, 'audience' as scope, audience_code as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'numerator' as counts_as
    from law_rows
),

ct1_district as (
    select 'CT1' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'condition' as counts_as
    from law_rows
),

ct1_ward as (
    select 'CT1' as indicator_code, year, 'ward' as scope, unit_code as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'numerator' as counts_as
    from law_rows
    where unit_kind = 'ward' and audience_code = 'nguoi_dan'
),

-- The sheet row of the Action Month plan label in tab "Thông tin chung", found in the raw
-- cells the way the parser finds it: first label that matches accent-, case- and
-- punctuation-insensitively.
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

ct2_plan as (
    select 'CT2' as indicator_code, counted.year, 'district' as scope, 'QUAN' as scope_code,
        counted.unit_code, 'Thông tin chung' as tab, plan_cells.sheet_row,
        counted.snapshot_id, 'action_month_plan' as column_key,
        case when counted.action_month_plan and ran_action_month.unit_code is not null
            then 1.0 else 0.0 end as value,
        'numerator' as counts_as
    from counted
    left join plan_cells using (snapshot_id)
    left join ran_action_month using (year, unit_code)
),

ct2_action_month as (
    select 'CT2' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Hoạt động' as tab, sheet_row, snapshot_id, 'sessions' as column_key,
        sessions::double as value, 'condition' as counts_as
    from activities
    where activity_code = '1a'
),

survey as (
    select survey.*
    from staging.stg_workbook__survey_responses as survey
    inner join counted using (year, unit_code, snapshot_id)
),

ct3 as (
    select 'CT3' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Khảo sát nhận thức' as tab, sheet_row, snapshot_id,
        'respondents_aware' as column_key, respondents_aware::double as value,
        'numerator' as counts_as
    from survey
    union all
    select 'CT3', year, 'district', 'QUAN', unit_code, 'Khảo sát nhận thức', sheet_row,
        snapshot_id, 'respondents', respondents::double, 'denominator'
    from survey
),

outlets as (
    select outlets.*, targets.qualifier
    from staging.stg_workbook__media_outlets as outlets
    inner join counted using (year, unit_code, snapshot_id)
    inner join targets
        on targets.year = outlets.year and targets.indicator_code = 'CT4'
        and targets.scope = 'district'
),

ct4 as (
    select 'CT4' as indicator_code, year, 'district' as scope, 'QUAN' as scope_code,
        unit_code, 'Cơ quan truyền thông' as tab, sheet_row, snapshot_id,
        'gender_index_level' as column_key,
        case when gender_index_level = 'Chính thức'
            or (qualifier = 'pilot' and gender_index_level = 'Thí điểm')
            then 1.0 else 0.0 end as value,
        'numerator' as counts_as
    from outlets
    union all
    select 'CT4', year, 'district', 'QUAN', unit_code, 'Cơ quan truyền thông', sheet_row,
        snapshot_id, 'outlet_name', 1.0, 'denominator'
    from outlets
),

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
        unit_code, 'Hương ước, quy ước' as tab, sheet_row, snapshot_id, column_key, value,
        counts_as
    from convention_cells
    union all
    select 'CT5', year, 'ward', unit_code, unit_code, 'Hương ước, quy ước', sheet_row,
        snapshot_id, column_key, value, counts_as
    from convention_cells
    where unit_kind = 'ward'
),

cells as (
    select * from ct1_audience
    union all by name select * from ct1_district
    union all by name select * from ct1_ward
    union all by name select * from ct2_plan
    union all by name select * from ct2_action_month
    union all by name select * from ct3
    union all by name select * from ct4
    union all by name select * from ct5
),

final as (
    select
        cells.indicator_code,
        cells.year,
        cells.scope,
        cells.scope_code,
        cells.unit_code,
        cells.tab,
        cells.sheet_row,
        cells.snapshot_id,
        snapshots.source_ref,
        snapshots.fetched_at,
        cells.column_key,
        cells.value,
        cells.counts_as
    from cells
    left join snapshots using (snapshot_id)
)

select * from final
order by indicator_code, year, scope, scope_code, unit_code, tab, sheet_row, column_key
