-- ref.activity_units
-- Grain: one row per activity, role (lead / coordinate) and unit selector: a unit code, or
-- "kind:agency" / "kind:ward" for every district agency or ward.
-- Columns:
-- - activity_code: Code of the plan's activity (ref.activities)
-- - role: lead (chủ trì) or coordinate (phối hợp)
-- - unit_selector: A unit code, or kind:agency / kind:ward for every district agency or ward
create or replace table ref.activity_units as
select activity_code, role, unit_selector
from read_csv('{seeds_dir}/activity_units.csv', header = true, auto_detect = false, columns = {
    'activity_code': 'varchar', 'role': 'varchar', 'unit_selector': 'varchar'
});
