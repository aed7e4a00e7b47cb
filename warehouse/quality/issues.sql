-- quality.issues
-- Grain: one row per failed check per cell (or per tab or workbook when no single cell is
-- at fault) of the current snapshot of a unit and year.
create table if not exists quality.issues (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar,
    tab varchar not null,
    sheet_row integer,
    column_key varchar,
    column_header varchar,
    value varchar,
    rule varchar not null,
    severity varchar not null,
    message_vi varchar not null
);
