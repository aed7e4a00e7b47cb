-- ref.activities
-- Grain: one row per activity of the plan (section III), 1a … 7c. `years` lists the only
-- years the activity runs (e.g. 2025;2030), empty when it runs every year.
-- Columns:
-- - activity_code: Code of the plan's activity, 1a … 7c
-- - task_group: Task group of the plan (1 … 7)
-- - activity_name: Short name of the activity (section III of the plan)
-- - years: The only years the activity runs (e.g. 2025;2030); empty when it runs every year
create or replace table ref.activities as
select activity_code, task_group, name_vi as activity_name, nullif(years, '') as years
from read_csv('{seeds_dir}/activities.csv', header = true, auto_detect = false, columns = {
    'activity_code': 'varchar', 'task_group': 'integer', 'name_vi': 'varchar', 'years': 'varchar'
});
