"""Commands an administrator runs by hand, apart from the pipeline's flows: the blank
workbook (`python -m admin.blank_workbook`), the units' spreadsheets
(`python -m admin.provision`) and the emulator's copy of a reports folder
(`python -m admin.register`)."""
