-- ref.units
-- Grain: one row per unit of the registry (seeds/units.csv), with its period of existence.
create or replace table ref.units as
select
    unit_code, name_vi as unit_name, kind as unit_kind,
    nullif(successor_codes, '') as successor_codes, nullif(email, '') as email,
    reports as is_reporting,
    valid_from, valid_to
from read_csv('{seeds_dir}/units.csv', header = true, auto_detect = false, columns = {
    'unit_code': 'varchar', 'name_vi': 'varchar', 'kind': 'varchar', 'valid_from': 'date',
    'valid_to': 'date', 'successor_codes': 'varchar', 'reports': 'boolean', 'email': 'varchar'
});
