-- ref.indicator_targets
-- Grain: one row per indicator, scope and milestone year. `basis` says how target_value
-- reads (absolute, or relative_to_baseline: a relative increase over baseline_year);
-- `qualifier` narrows what counts (CT4: pilot or official level); a year at or after
-- `due_each_year_from` is judged every year, not only at the milestone.
-- Columns:
-- - indicator_code: Indicator of the plan, CT1 … CT5 (ref.indicators)
-- - scope: district, audience (CT1 groups) or ward
-- - milestone_year: Year by which the target must be reached (2025 or 2030)
-- - target_value: The target as given in the seed (a fraction of 1 for rates, a count for CT1)
-- - basis: How target_value reads: absolute, or relative_to_baseline (a relative increase over
--   baseline_year)
-- - baseline_year: Year whose value a relative target is measured from (CT3: 2025)
-- - qualifier: What counts towards the target (CT4: pilot or official); null otherwise
-- - due_each_year_from: From this year on the target is judged every year, not only at the
--   milestone
-- - kind: How a reading at this scope reads: rate (numerator / denominator, capped at 100%)
--   or count (the numerator)
create or replace table ref.indicator_targets as
select indicator_code, scope, milestone_year, target_value, basis, baseline_year,
    nullif(qualifier, '') as qualifier, due_each_year_from, kind
from read_csv('{seeds_dir}/indicator_targets.csv', header = true, auto_detect = false, columns = {
    'indicator_code': 'varchar', 'scope': 'varchar', 'milestone_year': 'integer',
    'target_value': 'double', 'basis': 'varchar', 'baseline_year': 'integer',
    'qualifier': 'varchar', 'due_each_year_from': 'integer', 'kind': 'varchar'
});
