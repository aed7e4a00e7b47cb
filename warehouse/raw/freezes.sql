-- raw.freezes
-- Grain: one row per report year whose snapshots were frozen at the deadline cut-off.
-- After `frozen_at`, a unit's new content is a late revision: kept in raw, reported, and
-- never counted in place of what was frozen. Written once; a re-run keeps the first time.
-- Removed only by `python -m flows.freeze unfreeze`, which keeps it in raw.unfreezes.
-- Columns:
-- - year: Report year frozen
-- - frozen_at: When the year was frozen (the deadline cut-off or `flows.freeze freeze`):
--   content fetched after it is a late revision
create table if not exists raw.freezes (
    year integer primary key,
    frozen_at timestamptz not null
);
