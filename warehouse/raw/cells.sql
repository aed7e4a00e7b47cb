-- raw.cells
-- Grain: one row per non-empty cell of every tab of a snapshot, as read (extra columns,
-- title rows and notes included). Immutable, written with its snapshot.
create table if not exists raw.cells (
    snapshot_id varchar not null,
    tab_index integer not null,
    tab_name varchar not null,
    row_number integer not null,
    column_number integer not null,
    value_type varchar not null,
    value_text varchar not null,
    primary key (snapshot_id, tab_index, row_number, column_number)
);
