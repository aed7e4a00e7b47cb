-- ops.flow_runs
-- Grain: one row per Prefect flow run that wrote to this warehouse: which flow, with which
-- parameters, when, how it ended and what it counted, so analysts can see which run
-- produced which figures. Rewritten when the same flow run is retried.
-- Columns:
-- - flow_run_id: Prefect's id of the flow run ("local" outside Prefect)
-- - flow_name: Name of the flow: annual-report, collection-window, reminders …
-- - flow_run_name: Name of the flow run as the Prefect UI shows it, e.g. annual-report-2024
-- - year: Report year the run was for (null for flows without a year)
-- - parameters: The run's parameters as given, as text (JSON)
-- - state: How the run ended: COMPLETED or FAILED
-- - counts: What the run counted: expected, received, late … (JSON)
-- - message: Why the run failed (null when it completed)
-- - started_at: When the run started (Asia/Ho_Chi_Minh)
-- - ended_at: When the run ended (Asia/Ho_Chi_Minh)
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
