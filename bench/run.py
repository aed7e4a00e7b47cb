"""Benchmark: per-stage wall time and peak memory of one year's run on N units.

    python -m bench.run [--units N] [--year 2024] [--out bench/results/bench-N.json]

Generates N units' demo workbooks (default: the real registry), imports the heavy libraries
once (measured apart), then runs each stage's function in turn (without the Prefect engine,
to measure the stages themselves) and writes the figures to a JSON file. Memory: the
process's peak resident set size after each stage and how much that stage raised it; for the
pull, also the peak of the workbook reader's own process (it reads in a child, under the
read limits of `core.settings.ReadLimits`, which the JSON records). A reference stage,
`bare_read`, reads every workbook with python-calamine in this process and nothing else: the
least work that reads the same files, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from core.runtime import configure_environment

configure_environment()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bare_read(files: list[Path]) -> int:
    """Every cell of every tab of every workbook, with python-calamine, nothing else."""
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return cells


def _measure(name: str, figures: list[dict], func, *args):
    before = _peak_rss_mb()
    start = time.perf_counter()
    result = func(*args)
    wall = time.perf_counter() - start
    after = _peak_rss_mb()
    figure = {"stage": name, "wall_seconds": round(wall, 3), "peak_rss_mb": round(after, 1),
              "peak_rss_raised_mb": round(after - before, 1)}
    reader = getattr(result, "reader_peak_mb", 0.0)
    if reader:
        figure["reader_process_peak_rss_mb"] = reader
    figures.append(figure)
    print(f"  {name:<22} {wall:8.2f} s   peak RSS {after:8.1f} MB"
          + (f"   reader process {reader:6.1f} MB" if reader else ""), flush=True)
    return result


def _import_libraries() -> None:
    import great_expectations  # noqa: F401
    import openpyxl  # noqa: F401

    from expectations.validate import validate_year  # noqa: F401


def run(units: int | None, year: int, out: Path) -> dict:
    from core.registry import read_registry
    from core.settings import RunSettings
    from demo.generate import generate, synthetic_registry
    from tasks.indicators import compute_indicators
    from tasks.load import load_year
    from tasks.publish import write_tables_xlsx
    from tasks.pull import pull_workbooks
    from tasks.validate import validate_submissions

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        root = Path(tmp)
        seeds = synthetic_registry(units, root / "seeds") if units else None
        registry = read_registry(seeds) if seeds else read_registry()
        settings = RunSettings(root / "reports", root / "warehouse.duckdb", root / "output",
                               seeds or registry.seeds_dir)
        figures: list[dict] = []
        _measure("import_libraries", figures, _import_libraries)
        _measure("generate_workbooks", figures, generate, settings.reports_dir, [year], registry)
        files = list((settings.reports_dir / str(year)).glob("*.xlsx"))
        _measure("bare_read", figures, _bare_read, files)
        _measure("pull_workbooks", figures, pull_workbooks.fn, settings, year)
        checked = _measure("validate_submissions", figures, validate_submissions.fn, settings,
                           year)
        _measure("load_year", figures, load_year.fn, settings, checked)
        year_figures = _measure("compute_indicators", figures, compute_indicators.fn, settings,
                                year)
        _measure("write_report_xlsx", figures, write_tables_xlsx,
                 settings.output_dir / "bench.xlsx", year_figures.marts)
        _measure("pull_unchanged_again", figures, pull_workbooks.fn, settings, year)
        result = {
            "units": len(files), "year": year, "python": platform.python_version(),
            "machine": platform.machine(), "stages": figures,
            "total_pipeline_seconds": round(sum(
                f["wall_seconds"] for f in figures
                if f["stage"] not in ("import_libraries", "generate_workbooks", "bare_read",
                                      "pull_unchanged_again")), 3),
            "read_limits": asdict(settings.limits),
            "warehouse_mb": round(settings.warehouse.stat().st_size / 2**20, 1),
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Kết quả đo: {out}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--units", type=int, default=None,
                        help="number of synthetic units (default: the real registry)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path("bench/results") / f"bench-{args.units or 'registry'}.json"
    run(args.units, args.year, out)


if __name__ == "__main__":
    main()
