-- raw.freezes
-- Grain: one row per report year whose snapshots were frozen at the deadline cut-off.
-- After `frozen_at`, a unit's new content is a late revision: kept in raw, reported, and
-- never counted in place of what was frozen. Written once; a re-run keeps the first time.
-- Removed only by `python -m flows.freeze unfreeze`, which keeps it in raw.unfreezes.
create table if not exists raw.freezes (
    year integer primary key,
    frozen_at timestamptz not null
);
