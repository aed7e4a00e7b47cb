-- ops.flow_runs
-- Grain: one row per Prefect flow run that wrote to this warehouse: which flow, with which
-- parameters, when, how it ended and what it counted, so analysts can see which run
-- produced which figures. Rewritten when the same flow run is retried.
create table if not exists ops.flow_runs (
    flow_run_id varchar primary key,
    flow_name varchar not null,
    flow_run_name varchar,
    year integer,
    parameters json,
    state varchar not null,
    counts json,
    message varchar,
    started_at timestamptz,
    ended_at timestamptz
);
