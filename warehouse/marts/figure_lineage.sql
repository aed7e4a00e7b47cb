-- marts.figure_lineage
-- Grain: one row per indicator reading (indicator, year, scope, scope code, as in
-- marts.indicator_values) and workbook cell it was computed from: the tab, sheet row and
-- column of a counted submission (valid, marked complete, of an expected unit), with the
-- raw snapshot (file and fetch time) the row was read from. These are the workbook cells of
-- intermediate.int_indicator_inputs (where each indicator is defined); its registry rows
-- (expected units, years, audience groups: no tab) are not cells and are left out.
-- `counts_as` says what the cell does and `value` what it contributes:
-- * numerator / denominator: the sum of `value` over a reading's numerator (denominator)
--   rows is the reading's numerator (denominator). CT1 audience and ward: sessions; CT2: 1
--   for each unit that issued an Action Month plan and reported activity 1a; CT3: people
--   aware / surveyed; CT4: 1 for each outlet at the level the year's milestone asks for /
--   1 for each outlet; CT5: conventions without discrimination / conventions passed;
-- * condition: a cell the reading tests rather than adds (CT1 district: the sessions of each
--   audience group, compared with the group's target; CT2: the 1a activity rows).
-- CT1 district's numerator and denominator count audience groups and CT2's denominator the
-- registry's expected units: they have no numerator or denominator rows here.
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
with inputs as (
    select * from intermediate.int_indicator_inputs where tab is not null
),

targets as (
    select * from intermediate.int_indicator_targets_by_year
),

snapshots as (
    select snapshot_id, source_ref, fetched_at from raw.snapshots
),

final as (
    select
        inputs.indicator_code,
        inputs.year,
        inputs.scope,
        inputs.scope_code,
        inputs.unit_code,
        inputs.tab,
        inputs.sheet_row,
        inputs.snapshot_id,
        snapshots.source_ref,
        snapshots.fetched_at,
        inputs.column_key,
        case when inputs.qualifier is not null
            and inputs.qualifier is distinct from targets.qualifier then 0.0
            else inputs.value end as value,
        inputs.counts_as
    from inputs
    left join targets using (year, indicator_code, scope)
    left join snapshots using (snapshot_id)
)

select * from final
order by indicator_code, year, scope, scope_code, unit_code, tab, sheet_row, column_key
