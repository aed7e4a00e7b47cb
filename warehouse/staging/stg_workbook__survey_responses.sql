-- staging.stg_workbook__survey_responses
-- Grain: one row per accepted row of tab "Khảo sát nhận thức" (one audience group surveyed)
-- of a valid current snapshot.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The raw snapshot (raw.snapshots) the row was read from
-- - sheet_row: Row number in the unit's sheet, as the person sees it
-- - audience: «Nhóm đối tượng» in the workbook
-- - note: «Ghi chú» in the workbook
-- - respondents: «Số người được khảo sát» in the workbook
-- - respondents_aware: «Số người có nhận thức đúng về bình đẳng giới» in the workbook
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
