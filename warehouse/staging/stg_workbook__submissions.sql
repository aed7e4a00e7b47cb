-- staging.stg_workbook__submissions
-- Grain: one row per year and unit whose current snapshot was read (tab "Thông tin chung"
-- typed, plus what the pipeline knows of the snapshot). Invalid and draft submissions are
-- kept here: `is_valid` and `is_complete` decide whether their rows count.
-- Columns:
-- - year: Report year
-- - unit_code: The reporting unit's code in the registry (ref.units)
-- - snapshot_id: The unit's current snapshot for the year (raw.snapshots)
-- - source_ref: File path or spreadsheet address of the submission
-- - reported_unit_code: «Mã đơn vị» in the workbook (may differ from unit_code: a blocking
--   issue)
-- - reported_year: «Năm báo cáo» in the workbook (may differ from year: a blocking issue)
-- - reporter: «Người lập báo cáo» in the workbook
-- - action_month_plan_ref: «Số, ngày văn bản kế hoạch» in the workbook
-- - is_valid: False when the submission has a blocking issue (unreadable, wrong unit or year,
--   missing tab or column): none of its rows count
-- - is_complete: «Báo cáo đã hoàn thành» in the workbook: false for a draft
-- - action_month_plan: «Đã ban hành kế hoạch Tháng hành động» in the workbook
-- - completed_on: «Ngày hoàn thành báo cáo» in the workbook
-- - fetched_at: When the current snapshot was first fetched (Asia/Ho_Chi_Minh)
-- - first_seen_complete_at: When the pipeline first fetched a version of this report marked
--   complete
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
