-- staging.stg_workbook__activities
-- Grain: one row per accepted row of tab "Hoạt động" of a valid current snapshot.
create table if not exists staging.stg_workbook__activities (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    sheet_row integer not null,
    activity_code varchar not null,
    description varchar not null,
    form varchar not null,
    audience varchar not null,
    note varchar,
    sessions integer not null,
    participants integer,
    participants_female integer,
    budget_state_vnd double,
    budget_other_vnd double,
    is_law_dissemination boolean not null,
    is_electronic boolean not null,
    started_on date,
    ended_on date,
    primary key (year, unit_code, sheet_row)
);
