-- raw.unfreezes
-- Grain: one row per lifting of a year's freeze by the operator (`python -m flows.freeze
-- unfreeze`): the freeze time it lifted, when and why. Append-only: with raw.freezes it is
-- the history of what was counted for a year. Once lifted, the year's latest submissions
-- count again until the year is frozen anew.
-- Columns:
-- - year: Report year whose freeze was lifted
-- - frozen_at: The freeze time that was lifted
-- - unfrozen_at: When the operator lifted the freeze
-- - reason: Why the operator lifted the freeze (given to `flows.freeze unfreeze`)
create table if not exists raw.unfreezes (
    year integer not null,
    frozen_at timestamptz not null,
    unfrozen_at timestamptz not null,
    reason varchar not null
);
