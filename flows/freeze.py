"""Freezing a year by hand, and lifting a freeze: the operator's commands.

    python -m flows.freeze status
    python -m flows.freeze freeze --year 2025
    python -m flows.freeze unfreeze --year 2025 --reason "..."

The deadline cut-off (deployment `deadline-cut-off`) freezes the year after its last pull;
`freeze` does the same at once, without pulling. `unfreeze` lifts a freeze (the lifted time
and the reason are kept in raw.unfreezes): the year's latest submissions count again once
the year is re-run. Both hold the warehouse lock; neither recomputes the reports.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from core.registry import LOCAL_TZ
from core.settings import ENV, SettingError, settings_from
from warehouse import db
from warehouse.lock import WarehouseBusy, warehouse_lock


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flows.freeze",
        description="Chốt số liệu một năm, hoặc mở lại năm đã chốt.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", help=f"tệp DuckDB ({ENV['warehouse']})")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("status", parents=[common], help="các năm đã chốt và đã mở lại")
    freeze = actions.add_parser("freeze", parents=[common], help="chốt số liệu năm ngay bây giờ")
    freeze.add_argument("--year", type=int, required=True)
    unfreeze = actions.add_parser("unfreeze", parents=[common], help="mở lại năm đã chốt")
    unfreeze.add_argument("--year", type=int, required=True)
    unfreeze.add_argument("--reason", required=True,
                          help="lý do mở lại (được lưu vào raw.unfreezes)")
    return parser.parse_args(argv)


def _when(value: datetime) -> str:
    return f"{value.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        settings = settings_from(warehouse=args.warehouse)
        if not settings.warehouse.is_file():
            print(f"Không có kho dữ liệu {settings.warehouse}.", file=sys.stderr)
            return 1
        with warehouse_lock(settings.warehouse, timeout_seconds=10):
            with db.open_migrated(settings.warehouse) as con:  # the command's schema step
                now = datetime.now(LOCAL_TZ)
                if args.action == "status":
                    frozen, lifted = db.freezes(con), db.lifted_freezes(con)
                elif args.action == "freeze":
                    frozen_at = db.freeze_year(con, args.year, now)
                else:
                    lifted_at = db.unfreeze_year(con, args.year, now, args.reason)
    except (SettingError, WarehouseBusy) as exc:
        print(f"Không thực hiện được: {exc}", file=sys.stderr)
        return 1
    if args.action == "status":
        for year, at in frozen:
            print(f"Năm {year}: đã chốt lúc {_when(at)}.")
        for year, at, until, reason in lifted:
            print(f"Năm {year}: lần chốt lúc {_when(at)} đã được mở lại lúc {_when(until)} "
                  f"(lý do: {reason}).")
        if not frozen and not lifted:
            print("Chưa năm nào được chốt.")
        return 0
    if args.action == "freeze":
        already = " (đã chốt từ trước)" if frozen_at < now else ""
        print(f"Năm {args.year}: đã chốt số liệu lúc {_when(frozen_at)}{already}.")
        return 0
    if lifted_at is None:
        print(f"Năm {args.year} chưa được chốt: không có gì để mở lại.", file=sys.stderr)
        return 1
    print(f"Năm {args.year}: đã mở lại (lần chốt lúc {_when(lifted_at)}). Hãy chạy lại năm "
          f"{args.year} (deployment annual-report) để tính lại theo các bản báo cáo mới nhất.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
