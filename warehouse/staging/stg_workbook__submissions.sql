-- staging.stg_workbook__submissions
-- Grain: one row per year and unit whose current snapshot was read (tab "Thông tin chung"
-- typed, plus what the pipeline knows of the snapshot). Invalid and draft submissions are
-- kept here: `is_valid` and `is_complete` decide whether their rows count.
create table if not exists staging.stg_workbook__submissions (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    source_ref varchar not null,
    reported_unit_code varchar,
    reported_year integer,
    reporter varchar,
    action_month_plan_ref varchar,
    is_valid boolean not null,
    is_complete boolean not null,
    action_month_plan boolean,
    completed_on date,
    fetched_at timestamptz not null,
    first_seen_complete_at timestamptz,
    primary key (year, unit_code)
);
