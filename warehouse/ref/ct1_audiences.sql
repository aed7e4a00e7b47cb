-- ref.ct1_audiences
-- Grain: one row per audience group that indicator CT1 follows (agencies and organisations,
-- enterprises, residents), mapped to the audience label of the template.
-- Columns:
-- - scope_code: Key of the CT1 audience group
-- - audience_vi: The template's audience label (tab «Hoạt động», «Đối tượng») that the group
--   maps to
-- - group_vi: Name of the group in the report
create or replace table ref.ct1_audiences as
select scope_code, audience_vi, group_vi
from read_csv('{seeds_dir}/ct1_audiences.csv', header = true, auto_detect = false, columns = {
    'scope_code': 'varchar', 'audience_vi': 'varchar', 'group_vi': 'varchar'
});
