"""The annual report flow, for one year: collect (pull → validate → feedback → load, shared
with the collection window: flows/collect.py) → indicators → publish (report, documents,
run history, analysts' copy, portal).

Run it from the command line (see `--help`), from `make run` (demo workbooks, every demo
year) or as a Prefect deployment. It fails only when the run itself cannot complete; bad
reports from some units are results, not failures.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

if __name__ == "__main__":  # a command-line run: its own Prefect server, when it needs one,
    from core.runtime import start_server_early  # starts while the modules below load

    start_server_early(sys.argv[1:])

from prefect import flow, get_run_logger
from prefect.utilities.annotations import quote
from pydantic import Field

from core.files import remove_stale_temporaries
from core.registry import LOCAL_TZ
from core.report import submission_counts, summary_lines
from core.runtime import (
    command_line_settings,
    exit_after_run,
    forget_flow_run_results,
    local_result_storage,
    prefect_api,
    prune_result_storage,
    result_limits,
    stop_early_server,
)
from core.settings import (
    ENV,
    RunSettings,
    SettingError,
    check_paths,
    check_years,
    reporting_year,
    settings_from,
    years_from,
)
from flows.collect import collect_year
from sources.choice import implementation
from tasks.documents import publish_documents
from tasks.indicators import compute_indicators
from tasks.operations import (
    analyst_dir,
    flow_run_row,
    notify_failure,
    publish_for_analysts,
    record_run,
)
from tasks.portal import publish_portal
from tasks.publish import publish_report
from warehouse import db
from warehouse.lock import WarehouseBusy, warehouse_lock

# Parameters are validated here and described in each flow's docstring (the Prefect UI
# shows the "Args:" section beside each field).
Year = Annotated[int | None, Field(ge=2022, le=2100)]



@dataclass(frozen=True)
class RunSummary:
    year: int
    lines: tuple[str, ...]
    counts: dict[str, int]
    output_folder: Path


def record_failure(flow, run, state) -> None:
    """Keep failed runs in the run history (ops.flow_runs) and send the failure notice."""
    params = run.parameters or {}
    message = str(state.message)[:500]
    try:
        settings = settings_from(reports_dir=params.get("reports_dir"),
                                 warehouse=params.get("warehouse"),
                                 output_dir=params.get("output_dir"),
                                 seeds_dir=params.get("seeds_dir"))
        db.migrate_file(settings.warehouse)  # the run may have failed before its start did
        record_run(settings, flow_run_row("FAILED", params.get("year"), message=message,
                                          started_at=run.start_time))
    except Exception:  # the warehouse itself may be what failed: the run is failed anyway
        pass
    notify_failure(flow.name, run, state)


def forget_results(flow, run, state) -> None:
    """A completed run is never resumed: its stored task results (copies of submitted
    data) go as soon as it completes. A run that stores none (the command line's) has
    nothing to wait for."""
    from prefect.settings import get_current_settings

    if not get_current_settings().results.persist_by_default:
        return
    if storage := local_result_storage():
        try:
            forget_flow_run_results(run.id, storage)
        except Exception:  # housekeeping only: the start of the next run prunes anyway
            pass


def start_run(settings: RunSettings, year: int) -> None:
    """Before anything is replaced: every setting usable (SettingError naming it
    otherwise), the warehouse writable, leftovers of killed runs removed (temporary files,
    result storage beyond its bounds)."""
    check_years([year], "year", settings.seeds_dir)
    analysts = analyst_dir(settings)
    check_paths(settings, analysts)
    db.migrate_file(settings.warehouse)  # the run's one schema step; stages only connect
    folders = [settings.output_dir, analysts]
    if settings.output_dir.is_dir():
        folders += [f for f in settings.output_dir.iterdir() if f.is_dir() and f.name.isdigit()]
    for folder in folders:
        remove_stale_temporaries(folder)
    year_folder = settings.reports_dir / str(year)
    if implementation(settings).reads_folder and not year_folder.is_dir():
        get_run_logger().warning(
            "Năm %s: chưa có thư mục %s: mọi đơn vị được tính là chưa nộp; đặt tệp báo cáo "
            "<mã đơn vị>.xlsx vào thư mục này", year, year_folder)
    if storage := local_result_storage():
        prune_result_storage(storage, *result_limits(), now=datetime.now().timestamp())


@flow(name="annual-report", flow_run_name="annual-report-{year}", on_failure=[record_failure],
      on_crashed=[record_failure], on_completion=[forget_results])
def annual_report(
    year: Year = None,
    reports_dir: str | None = None,
    warehouse: str | None = None,
    output_dir: str | None = None,
    seeds_dir: str | None = None,
    freeze: bool = False,
    source: str | None = None,
    gsheets_register: str | None = None,
    republish: bool = False,
) -> RunSummary:
    """Collect, check, load and report one year of the units' report workbooks.

    Args:
        year: Năm báo cáo (2022–2100); để trống: năm báo cáo hiện tại (từ 15/11 là năm nay).
        reports_dir: Thư mục tệp báo cáo <năm>/<mã đơn vị>.xlsx (mặc định HB_REPORTS_DIR
            hoặc data/reports).
        warehouse: Tệp DuckDB (mặc định HB_WAREHOUSE hoặc data/warehouse.duckdb).
        output_dir: Thư mục kết quả (mặc định HB_OUTPUT_DIR hoặc output).
        seeds_dir: Thư mục danh mục đơn vị, hoạt động, chỉ tiêu (mặc định warehouse/seeds).
        freeze: Chốt số liệu năm sau lần kéo này (hạn chốt 11/12): nội dung sửa sau đó được
            lưu lại nhưng không được tính.
        source: Nguồn báo cáo: local (thư mục tệp .xlsx) hoặc gsheets (Google Sheets)
            (mặc định HB_SOURCE hoặc local).
        gsheets_register: Sổ đăng ký bảng tính của các đơn vị: đường dẫn hoặc mã bảng tính
            Google Sheets, hoặc tệp .csv (mặc định HB_GSHEETS_REGISTER).
        republish: Viết lại báo cáo Word và HTML kể cả khi số liệu không đổi từ lần viết
            trước (mặc định: chỉ viết lại khi số liệu, nội dung hoặc mẫu thay đổi).
    """
    settings = settings_from(reports_dir=reports_dir, warehouse=warehouse,
                             output_dir=output_dir, seeds_dir=seeds_dir, source=source,
                             gsheets_register=gsheets_register)
    year = year or reporting_year(datetime.now(LOCAL_TZ).date())
    with warehouse_lock(settings.warehouse):
        start_run(settings, year)
        return _run_year(settings, year, freeze, republish)


def _run_year(settings: RunSettings, year: int, freeze: bool, republish: bool = False
              ) -> RunSummary:
    started_at = datetime.now(LOCAL_TZ)
    collect_year(settings, year, freeze)
    figures = compute_indicators(settings, year)
    published = publish_report(settings, quote(figures))  # see flows.collect
    publish_documents(settings, year, "annual", only_if_changed=not republish)
    counts = submission_counts(figures.marts["submission_status"])
    record_run(settings, flow_run_row("COMPLETED", year, counts, started_at=started_at))
    publish_for_analysts(settings)
    publish_portal(settings, year)
    lines = summary_lines(year, figures.marts["submission_status"],
                          figures.marts["indicator_values"], figures.ref)
    for line in lines:
        get_run_logger().info(line)
    return RunSummary(year, tuple(lines), counts, published.folder)


class _Parser(argparse.ArgumentParser):
    """argparse, with its complaints given as one Vietnamese line and exit code 2."""

    TRANSLATIONS = (("unrecognized arguments:", "tham số không nhận ra:"),
                    ("expected one argument", "thiếu giá trị"),
                    ("ignored explicit argument", "không nhận giá trị"),
                    ("the following arguments are required:", "thiếu tham số:"))

    def error(self, message: str):
        for english, vietnamese in self.TRANSLATIONS:
            message = message.replace(english, vietnamese)
        self.exit(2, f"Tham số không hợp lệ: {message}; xem: {self.prog} --help\n")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m flows.annual_report",
        description="Tổng hợp báo cáo năm của các đơn vị (Kế hoạch truyền thông về bình đẳng "
        "giới; địa phương và cơ quan ban hành: locality.csv trong thư mục danh mục).",
    )
    parser.add_argument("--year", default=None,
                        help=f"năm báo cáo, hoặc khoảng năm như 2022-2025 ({ENV['year']}); "
                        "mặc định: năm báo cáo hiện tại")
    parser.add_argument("--reports-dir", help=f"thư mục tệp báo cáo ({ENV['reports_dir']})")
    parser.add_argument("--warehouse", help=f"tệp DuckDB ({ENV['warehouse']})")
    parser.add_argument("--output-dir", help=f"thư mục kết quả ({ENV['output_dir']})")
    parser.add_argument("--seeds-dir", help=f"thư mục danh mục đơn vị ({ENV['seeds_dir']})")
    parser.add_argument("--source",
                        help=f"nguồn báo cáo: local hoặc gsheets ({ENV['source']})")
    parser.add_argument("--register", help="sổ đăng ký bảng tính Google Sheets: đường dẫn, mã "
                        f"bảng tính hoặc tệp .csv ({ENV['gsheets_register']})")
    parser.add_argument("--republish", action="store_true",
                        help="viết lại báo cáo Word và HTML kể cả khi số liệu không đổi")
    parser.add_argument("--demo", action="store_true",
                        help="tạo tệp báo cáo mẫu 2022-2025 nếu thư mục báo cáo còn trống")
    return parser.parse_args(argv)


def _ensure_demo(settings: RunSettings, years: list[int]) -> None:
    from demo.generate import generate

    if settings.reports_dir.exists() and any(settings.reports_dir.glob("*/*.xlsx")):
        return
    print(f"Tạo bộ báo cáo mẫu trong {settings.reports_dir} …", flush=True)
    generate(settings.reports_dir, years)


def _checked_settings(args: argparse.Namespace) -> tuple[RunSettings, list[int]]:
    """Settings and years, each checked before anything is written (SettingError)."""
    settings = settings_from(reports_dir=args.reports_dir, warehouse=args.warehouse,
                             output_dir=args.output_dir, seeds_dir=args.seeds_dir,
                             source=args.source, gsheets_register=args.register)
    years, named_by = years_from(args.year, datetime.now(LOCAL_TZ).date())
    check_years(years, named_by, settings.seeds_dir)
    if args.demo:
        _ensure_demo(settings, years)
    check_paths(settings, analyst_dir(settings))
    result_limits()  # HB_RESULTS_KEEP_DAYS, HB_RESULTS_MAX_MB: checked before the flow
    return settings, years


def _head_start() -> None:
    """What a run imports later and that takes a while, imported while the run's own
    Prefect server starts: Great Expectations (the validate stage) and matplotlib (the
    documents' charts, when the figures changed)."""
    import great_expectations  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _waiting(line: str) -> None:
    """The warehouse is busy: say so; a run that waits holds nothing (no server)."""
    stop_early_server()
    print(line, flush=True)


def _refuse(exc: Exception) -> int:
    print(f"Cấu hình không hợp lệ: {exc}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    year = None
    try:
        settings, years = _checked_settings(args)
    except SettingError as exc:
        return _refuse(exc)
    # a source that cannot be reached (a key that cannot work): one line, not a failed run
    if problem := implementation(settings).access_problem(settings):
        print(problem, file=sys.stderr)
        return 2
    try:
        # the lock first (a run waiting for it holds nothing else), then the warehouse
        # check, then a Prefect server of this process's own when none is configured.
        # Results are not persisted: only a deployment's run can be retried from the UI
        # (core.runtime.command_line_settings).
        with warehouse_lock(settings.warehouse, say=_waiting):
            db.check_can_write(settings.warehouse)
            with prefect_api(while_starting=_head_start), command_line_settings():
                for year in years:
                    print(f"Năm {year}: đang tổng hợp …", flush=True)
                    summary = annual_report(
                        year=year, reports_dir=str(settings.reports_dir),
                        warehouse=str(settings.warehouse), output_dir=str(settings.output_dir),
                        seeds_dir=str(settings.seeds_dir), source=settings.source,
                        gsheets_register=settings.gsheets.register or None,
                        republish=args.republish)
                    for line in summary.lines:
                        print(line)
                    print(f"  Báo cáo: {summary.output_folder}")
    except SettingError as exc:
        return _refuse(exc)
    except WarehouseBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # the run itself failed: say so plainly, exit non-zero
        print(f"Năm {year}: không hoàn thành được lần chạy: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    print(f"Kho dữ liệu DuckDB: {settings.warehouse}")
    print(f"Cổng thông tin chỉ tiêu: {settings.output_dir / 'portal' / 'index.html'}")
    return 0


if __name__ == "__main__":
    code = main()
    stop_early_server()  # still there when the run stopped before using it
    exit_after_run(code)  # sys.exit, without tearing the interpreter down
