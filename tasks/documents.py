"""Documents: the formal report of a year, or the review of a period, as .docx and HTML,
read from the warehouse's marts and attached to the flow run as artifacts."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from core.escape import markdown_code, markdown_text
from core.files import write_bytes
from core.registry import read_locality, read_registry
from core.runtime import cycles_not_collected
from core.settings import RunSettings
from reports.content import (
    DOCUMENT_TYPE,
    KINDS,
    PLAN_START_YEAR,
    DocumentSettings,
    PeriodFigures,
    Report,
    build_report,
    document_settings,
    today_in_vietnam,
)
from tasks import published
from warehouse import db, reads
from warehouse.refs import read_indicator_ref

# The marts the documents read; one missing from an older warehouse is left out (the
# milestone judgement then comes from indicator_values)
DOCUMENT_MARTS = ("submission_status", "indicator_values", "indicator_progress",
                  "participation", "budget", "activity_coverage")


@dataclass(frozen=True)
class PublishedDocuments:
    folder: Path
    docx: Path
    html: Path
    summary: tuple[str, ...]


def read_period_figures(con: duckdb.DuckDBPyConnection, first_year: int, last_year: int,
                        seeds_dir: Path) -> PeriodFigures:
    """The marts, counted activity rows and names of the years first_year…last_year."""
    if not db.has_table(con, "marts", "submission_status"):
        raise ValueError("kho dữ liệu chưa có số liệu: hãy chạy quy trình tổng hợp năm trước")
    names = [name for name in DOCUMENT_MARTS if db.has_table(con, "marts", name)]
    marts = reads.marts_of_years(con, names, first_year, last_year)
    status = marts["submission_status"]
    unit_names = dict(zip(status["unit_code"], status["unit_name"], strict=True))
    unit_names |= {u.code: u.name_vi for u in read_registry(seeds_dir).units}
    return PeriodFigures(first_year, last_year, marts,
                         reads.counted_activities(con, first_year, last_year),
                         reads.activity_names(con), unit_names, read_indicator_ref(con),
                         reads.latest_fetch_by_year(con, first_year, last_year),
                         reads.unexpected_files(con, first_year, last_year))


def _import_renderers() -> None:
    """Load what `write_documents` uses; an error shows where it is used, as before."""
    try:
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401

        import reports.charts  # noqa: F401
        import reports.document  # noqa: F401
        import reports.html  # noqa: F401
    except Exception:  # noqa: S110 - the import where it is used raises it
        pass


def render_images(report: Report) -> dict[str, bytes]:
    from reports.charts import render_png  # matplotlib: only when documents are written

    return {figure.key: render_png(figure.chart) for figure in report.figures()}


def summary_markdown(report: Report, docx_path: Path, html_path: Path) -> str:
    lines = [f"# {markdown_text(f'{DOCUMENT_TYPE} {report.subject}')}", ""]
    lines += [f"- {markdown_text(line.strip())}" for line in report.summary]
    lines += ["", f"Tệp Word: {markdown_code(docx_path)}", "",
              f"Tệp HTML: {markdown_code(html_path)}"]
    return "\n".join(lines) + "\n"


def write_documents(folder: Path, report: Report) -> tuple[Path, Path]:
    """Write <stem>.docx and <stem>.html into `folder`, each through a temporary file so
    that a reader never opens half a file."""
    from reports.document import render_docx
    from reports.html import render_html

    images = render_images(report)
    folder.mkdir(parents=True, exist_ok=True)
    docx_path, html_path = folder / f"{report.file_stem}.docx", folder / f"{report.file_stem}.html"
    write_bytes(docx_path, render_docx(report, images))
    write_bytes(html_path, render_html(report, images).encode("utf-8"))
    return docx_path, html_path


def documents_fingerprint(report: Report) -> str:
    """What a report's documents are made of: its figures and text, its form (the issue
    date only when one is set: by default a document keeps the day it was first written)
    and the code of the renderers (`published.RENDERERS`)."""
    settings = report.settings
    if settings.issued_on == today_in_vietnam():
        settings = replace(settings, issued_on=None)
    digest = hashlib.sha256(repr(replace(report, settings=settings)).encode("utf-8"))
    digest.update(published.code_digest())
    return digest.hexdigest()


def period_of(kind: str, year: int, first_year: int | None) -> tuple[int, int]:
    """The years a document covers: a review covers first_year…year; an annual report is
    about `year`, its trend charts go back to first_year."""
    if kind not in KINDS:
        raise ValueError(f"loại báo cáo không hợp lệ: {kind} (annual, midterm hoặc final)")
    first = PLAN_START_YEAR if first_year is None else first_year
    first = min(first, year)
    return first, year


@task(name="publish_documents", task_run_name="documents {kind} {year}")
def publish_documents(settings: RunSettings, year: int, kind: str = "annual",
                      first_year: int | None = None,
                      document: DocumentSettings | None = None,
                      only_if_changed: bool = False) -> PublishedDocuments:
    """Write the formal report (.docx and .html) to output/<year>/ and attach it to the run.
    With `only_if_changed`, documents already written from the same figures, text and form
    (see `documents_fingerprint`) and untouched since are kept as they are."""
    with cycles_not_collected():  # core.runtime: a full collection walked the run's heap
        return _publish_documents(settings, year, kind, first_year, document, only_if_changed)


def _publish_documents(settings: RunSettings, year: int, kind: str, first_year: int | None,
                       document: DocumentSettings | None,
                       only_if_changed: bool) -> PublishedDocuments:
    first, last = period_of(kind, year, first_year)
    if not settings.warehouse.is_file():  # connecting would create an empty warehouse
        raise FileNotFoundError(f"không có kho dữ liệu {settings.warehouse}: hãy chạy quy trình "
                                "tổng hợp năm trước")
    # the renderers' libraries (matplotlib most: about 0.4 s) load while DuckDB reads the
    # marts, which leaves the interpreter free
    renderers = threading.Thread(target=_import_renderers, name="import-renderers",
                                 daemon=True)
    renderers.start()
    with db.connect(settings.warehouse) as con:
        figures = read_period_figures(con, first, last, settings.seeds_dir)
    renderers.join()
    report = build_report(figures, kind,
                          document or document_settings(read_locality(settings.seeds_dir)))
    folder = settings.output_dir / str(last)
    fingerprint = documents_fingerprint(report)
    record = published.record_of(settings.output_dir, report.file_stem)
    docx_path, html_path = (folder / f"{report.file_stem}.docx",
                            folder / f"{report.file_stem}.html")
    logger = get_run_logger()
    if only_if_changed and published.unchanged(record, fingerprint, folder):
        logger.info("Số liệu không đổi từ lần viết trước: giữ nguyên %s, %s",
                    docx_path.name, html_path.name)
    else:
        docx_path, html_path = write_documents(folder, report)
        published.remember(record, fingerprint, folder, (docx_path.name, html_path.name))
    key = f"document-{report.file_stem}"
    create_markdown_artifact(summary_markdown(report, docx_path, html_path), key=key,
                             description=f"{DOCUMENT_TYPE} {report.subject}")
    for path, suffix in ((docx_path, "docx"), (html_path, "html")):
        create_link_artifact(path.resolve().as_uri(), link_text=path.name,
                             key=f"{key}-{suffix}", description=f"{path.name} ({suffix})")
    for line in report.summary:
        logger.info(line)
    logger.info("Báo cáo: %s, %s", docx_path, html_path)
    return PublishedDocuments(folder, docx_path, html_path, report.summary)
