-- quality.quarantine
-- Grain: one row per workbook row kept out of staging (a row with an error, or every row of
-- an invalid submission), with the reason and the row's cells as read, keyed by header.
create table if not exists quality.quarantine (
    year integer not null,
    unit_code varchar not null,
    snapshot_id varchar not null,
    tab varchar not null,
    sheet_row integer not null,
    reason_vi varchar not null,
    row_values json,
    primary key (year, unit_code, tab, sheet_row)
);
