"""The formal reports from the warehouse: the mid-term review (sơ kết 2022-2025), the final
review (tổng kết 2022-2030), or the annual report of one year, as .docx and HTML.

It reads what the annual flow has loaded; it collects nothing. Run it from the command line
(see `--help`) or as a Prefect deployment.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Literal

from prefect import flow
from prefect.runtime import flow_run

from core.registry import read_locality
from core.runtime import prefect_api
from core.settings import DOCUMENT_ENV, ENV, reporting_year, settings_from
from flows.annual_report import record_failure
from reports.content import (
    LOCAL_TZ,
    PLAN_START_YEAR,
    REVIEW_END_YEAR,
    document_settings,
)
from tasks.documents import PublishedDocuments, publish_documents
from warehouse import db

Kind = Literal["annual", "midterm", "final"]


def end_year_of(kind: str, end_year: int | None, today: date | None = None) -> int:
    """The last year covered: as given, else 2025 (mid-term), 2030 (final) or the current
    reporting year (annual)."""
    if end_year is not None:
        return end_year
    if kind in REVIEW_END_YEAR:
        return REVIEW_END_YEAR[kind]
    return reporting_year(today or datetime.now(LOCAL_TZ).date())


def _run_name() -> str:
    parameters = flow_run.get_parameters()
    kind = parameters.get("kind", "review")
    last = end_year_of(kind, parameters.get("end_year"))
    if kind == "annual":
        return f"annual-document-{last}"
    return f"{kind}-review-{parameters.get('start_year', PLAN_START_YEAR)}-{last}"


@flow(name="review-report", flow_run_name=_run_name, on_failure=[record_failure],
      on_crashed=[record_failure])
def review_report(
    kind: Kind,
    start_year: int = PLAN_START_YEAR,
    end_year: int | None = None,
    warehouse: str | None = None,
    output_dir: str | None = None,
    seeds_dir: str | None = None,
    number: str | None = None,
    issued_on: date | None = None,
    signer: str | None = None,
) -> PublishedDocuments:
    """Write the mid-term or final review of a period, or the annual report of a year.

    Args:
        kind: "midterm" (sơ kết), "final" (tổng kết) or "annual" (báo cáo năm).
        start_year: first year of the period of a review (default 2022, the plan's start).
        end_year: last year covered: default 2025 for "midterm", 2030 for "final", the
            current reporting year for "annual".
        warehouse: DuckDB file the annual flow has loaded (default HB_WAREHOUSE or
            data/warehouse.duckdb).
        output_dir: folder of the documents, written to <output_dir>/<end_year>/ (default
            HB_OUTPUT_DIR or output/).
        seeds_dir: registry seed folder, for the units' names (default HB_SEEDS_DIR).
        number: the document's number, "Số: <number>/BC-UBND" (default HB_DOC_NUMBER, else
            left as "…" for the clerk).
        issued_on: date on the document (default HB_DOC_DATE, else today in Vietnam).
        signer: name under the signature (default HB_DOC_SIGNER, else a blank line).
    """
    last = end_year_of(kind, end_year)
    if start_year > last:
        raise ValueError(f"năm bắt đầu {start_year} sau năm kết thúc {last}")
    settings = settings_from(warehouse=warehouse, output_dir=output_dir, seeds_dir=seeds_dir)
    document = document_settings(read_locality(settings.seeds_dir), number=number,
                                 issued_on=issued_on, signer=signer)
    if settings.warehouse.is_file():  # this flow's one schema step (no file: a clear error)
        db.migrate_file(settings.warehouse)
    return publish_documents(settings, last, kind, first_year=start_year, document=document)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m flows.reviews",
        description="Lập báo cáo sơ kết, tổng kết hoặc báo cáo năm (.docx và .html) từ kho "
        "dữ liệu đã tổng hợp.",
    )
    parser.add_argument("--kind", choices=("midterm", "final", "annual"), required=True,
                        help="midterm: sơ kết; final: tổng kết; annual: báo cáo năm")
    parser.add_argument("--year", type=int, default=None,
                        help="năm cuối của giai đoạn (mặc định: 2025 sơ kết, 2030 tổng kết, "
                        "năm báo cáo hiện tại với báo cáo năm)")
    parser.add_argument("--start-year", type=int, default=PLAN_START_YEAR,
                        help=f"năm đầu của giai đoạn (mặc định {PLAN_START_YEAR})")
    parser.add_argument("--warehouse", help=f"tệp DuckDB ({ENV['warehouse']})")
    parser.add_argument("--output-dir", help=f"thư mục kết quả ({ENV['output_dir']})")
    parser.add_argument("--seeds-dir", help=f"thư mục danh mục đơn vị ({ENV['seeds_dir']})")
    parser.add_argument("--number", help=f"số văn bản ({DOCUMENT_ENV['number']})")
    parser.add_argument("--date", help=f"ngày văn bản, dd/mm/yyyy ({DOCUMENT_ENV['issued_on']})")
    parser.add_argument("--signer", help=f"người ký ({DOCUMENT_ENV['signer']})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from core.settings import parse_day

    args = _arguments(argv)
    try:
        issued_on = parse_day(args.date) if args.date else None
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        with prefect_api():  # a temporary server that dies with this process (core.runtime)
            published = review_report(kind=args.kind, start_year=args.start_year,
                                      end_year=args.year, warehouse=args.warehouse,
                                      output_dir=args.output_dir, seeds_dir=args.seeds_dir,
                                      number=args.number, issued_on=issued_on,
                                      signer=args.signer)
    except Exception as exc:  # the run itself failed: say so plainly, exit non-zero
        print(f"Không lập được báo cáo: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for line in published.summary:
        print(line)
    print(f"  Báo cáo: {published.docx}")
    print(f"           {published.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
