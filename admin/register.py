"""The emulator's copy of a reports folder: each unit's .xlsx as a spreadsheet of the Sheets
emulator (`python -m tests.emulator --data DRIVE`), and the register naming them, so that
the Google Sheets path can be tried end to end without Google.

    python -m admin.register --reports-dir data/reports --years 2024 --out data/emulator
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from sources.gsheets import spreadsheet_url
from sources.register import append_csv_row


def stage_folder(reports_dir: Path, years: Sequence[int], drive_dir: Path,
                 register_csv: Path) -> int:
    """For the emulator (`python -m tests.emulator --data DRIVE`): copy each
    `<reports>/<year>/<unit>.xlsx` to `<drive>/demo-<year>-<unit>.xlsx` (a spreadsheet id)
    and write the register naming them. Returns the number of spreadsheets."""
    drive_dir.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[int, str, str]] = []
    for year in years:
        for path in sorted((reports_dir / str(year)).glob("*.xlsx")):
            sheet_id = f"demo-{year}-{path.stem}"
            shutil.copyfile(path, drive_dir / f"{sheet_id}.xlsx")
            rows.append((year, path.stem, spreadsheet_url(sheet_id)))
    register_csv.parent.mkdir(parents=True, exist_ok=True)
    register_csv.unlink(missing_ok=True)
    for year, unit_code, url in rows:
        append_csv_row(register_csv, year, unit_code, url)
    return len(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m admin.register",
        description="Đưa các tệp báo cáo .xlsx vào thư mục của trình giả lập Google Sheets "
        "(tests.emulator) và lập sổ đăng ký .csv tương ứng.")
    parser.add_argument("--reports-dir", type=Path, default=Path("data/reports"))
    parser.add_argument("--years", default="2022-2025", help="ví dụ 2024 hoặc 2022-2025")
    parser.add_argument("--out", type=Path, default=Path("data/emulator"),
                        help="thư mục ra: drive/ (cho trình giả lập) và register.csv")
    args = parser.parse_args(argv)
    first, _, last = args.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    count = stage_folder(args.reports_dir, years, args.out / "drive", args.out / "register.csv")
    print(f"{count} bảng tính trong {args.out / 'drive'}; sổ đăng ký {args.out / 'register.csv'}")


if __name__ == "__main__":
    main()
