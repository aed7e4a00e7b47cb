-- staging.stg_workbook__survey_responses
-- Grain: one row per accepted row of tab "Khảo sát nhận thức" (one audience group surveyed)
-- of a valid current snapshot.
create table if not exists staging.stg_workbook__survey_responses (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    sheet_row integer not null,
    audience varchar not null,
    note varchar,
    respondents integer not null,
    respondents_aware integer not null,
    primary key (year, unit_code, sheet_row)
);
