-- raw.unfreezes
-- Grain: one row per lifting of a year's freeze by the operator (`python -m flows.freeze
-- unfreeze`): the freeze time it lifted, when and why. Append-only: with raw.freezes it is
-- the history of what was counted for a year. Once lifted, the year's latest submissions
-- count again until the year is frozen anew.
create table if not exists raw.unfreezes (
    year integer not null,
    frozen_at timestamptz not null,
    unfrozen_at timestamptz not null,
    reason varchar not null
);
