-- Migration 4: quality.quarantine.row_shown, the quarantined row as the person saw it in the
-- sheet beside row_values (the cells as read).
-- `if not exists`: a warehouse made before versioned migrations may have it already.
alter table quality.quarantine add column if not exists row_shown json;
