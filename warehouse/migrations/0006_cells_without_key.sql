-- Migration 6: raw.cells without its primary key. The key's index cost more than the
-- cells themselves (at 4,021 units: 1.4 s of the pull's CPU and 33 of the table's 39 MB);
-- a cell's position is unique by construction (one value per position, written once with
-- its snapshot: warehouse.db.store_pull), and tests check it. DuckDB cannot drop a key, so
-- the table is made again, its rows in the key's order.
create table raw.cells_unkeyed (
    snapshot_id varchar not null,
    tab_index integer not null,
    tab_name varchar not null,
    row_number integer not null,
    column_number integer not null,
    value_type varchar not null,
    value_text varchar not null
);
insert into raw.cells_unkeyed
select snapshot_id, tab_index, tab_name, row_number, column_number, value_type, value_text
from raw.cells
order by snapshot_id, tab_index, row_number, column_number;
drop table raw.cells;
alter table raw.cells_unkeyed rename to cells;
