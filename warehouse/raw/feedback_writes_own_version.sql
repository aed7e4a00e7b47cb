-- raw.feedback_writes.sheet_id, raw.feedback_writes.expected_version
-- sheet_id: the tab «Kết quả kiểm tra»'s sheetId, so that the next write goes straight to
-- it. expected_version: the Drive version the spreadsheet has after this write if nobody
-- else changed it (the version the pipeline last knew, plus one); the next pull finding
-- exactly that version knows the change was its own and does not read the spreadsheet.
alter table raw.feedback_writes add column if not exists sheet_id bigint;
alter table raw.feedback_writes add column if not exists expected_version bigint;
