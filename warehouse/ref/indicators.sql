-- ref.indicators
-- Grain: one row per indicator of the plan (section II), CT1 … CT5. `short_name` is the
-- label of the reports' tables; `has_ward_reading`: the indicator is also read per ward.
create or replace table ref.indicators as
select indicator_code, name_vi as indicator_name, short_vi as short_name, measure, comparison,
    has_ward_reading, description_vi
from read_csv('{seeds_dir}/indicators.csv', header = true, auto_detect = false, columns = {
    'indicator_code': 'varchar', 'name_vi': 'varchar', 'short_vi': 'varchar',
    'measure': 'varchar', 'comparison': 'varchar', 'has_ward_reading': 'boolean',
    'description_vi': 'varchar'
});
