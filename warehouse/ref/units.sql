-- ref.units
-- Grain: one row per unit of the registry (seeds/units.csv), with its period of existence.
-- Columns:
-- - unit_code: The unit's code
-- - unit_name: The unit's name
-- - unit_kind: agency (district agency) or ward
-- - successor_codes: Units that took over this unit after valid_to (;-separated)
-- - email: E-mail of the unit's reporting contact
-- - is_reporting: Whether the unit is expected to send a report
-- - valid_from: First day the unit exists
-- - valid_to: Last day the unit exists (null while it exists)
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
