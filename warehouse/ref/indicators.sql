-- ref.indicators
-- Grain: one row per indicator of the plan (section II), CT1 … CT5.
-- Columns:
-- - indicator_code: Code of the indicator, CT1 … CT5
-- - indicator_name: The indicator as the plan words it
-- - short_name: The indicator's label in the reports' tables
-- - measure: What the indicator counts: sessions or rate
-- - comparison: How a value is compared with its target (>=)
-- - has_ward_reading: Whether the indicator is also read per ward
-- - description_vi: How the indicator is computed, in Vietnamese
create or replace table ref.indicators as
select indicator_code, name_vi as indicator_name, short_vi as short_name, measure, comparison,
    has_ward_reading, description_vi
from read_csv('{seeds_dir}/indicators.csv', header = true, auto_detect = false, columns = {
    'indicator_code': 'varchar', 'name_vi': 'varchar', 'short_vi': 'varchar',
    'measure': 'varchar', 'comparison': 'varchar', 'has_ward_reading': 'boolean',
    'description_vi': 'varchar'
});
