-- staging.stg_registry__expected_units
-- Grain: one row per collected year and unit expected to report that year (reporting units
-- of the registry active on the year's deadline, 10 December).
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - unit_name: The unit's name in the registry
-- - unit_kind: agency (district agency) or ward
-- - deadline_on: The year's reporting deadline (10 December)
create table if not exists staging.stg_registry__expected_units (
    year integer not null,
    unit_code varchar not null,
    unit_name varchar not null,
    unit_kind varchar not null,
    deadline_on date not null,
    primary key (year, unit_code)
);
