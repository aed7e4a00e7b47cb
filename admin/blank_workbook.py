"""Write the blank report workbook (the template, with its drop-down lists), optionally with
a unit code and a year filled in; the workbook itself is derived in `core.blank_workbook`.

    python -m admin.blank_workbook OUT.xlsx [--unit CODE] [--year YYYY]   (make template)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from core.blank_workbook import write_blank


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m admin.blank_workbook",
        description="Write the blank report workbook (.xlsx) with its drop-down lists.",
    )
    parser.add_argument("out", type=Path, help="the .xlsx file to write")
    parser.add_argument("--unit", help="unit code to fill in, e.g. LDTBXH")
    parser.add_argument("--year", type=int, help="report year to fill in, e.g. 2025")
    args = parser.parse_args(argv)
    write_blank(args.out, args.unit, args.year)
    print(args.out)


if __name__ == "__main__":
    main()
