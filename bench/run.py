"""Benchmark: wall time and peak memory of every stage of one year's run on N units.

    python -m bench.run [--units N] [--year 2024] [--out bench/results/bench-N.json]
                        [--no-command] [--no-profile] [--data DIR]

Generates the workbooks of N synthetic units (demo/generate.py `synthetic_registry`; without
--units, the real registry), then measures, in this order and in one process tree:

- `imports`: a fresh interpreter importing the flow module (`flows.annual_report`, whatever
  it imports at the top), and `import_gx`: Great Expectations, which the validation imports
  on first use;
- `prefect_server_start`: the Prefect API a command-line run uses (its temporary server);
- `bare_read`: the reference, every cell of every tab of every workbook read with
  python-calamine and written to a DuckDB table: the least work that reads the same files;
- each stage of the annual flow as the flow calls it, in a flow run but without the task
  engine: pull, validate, feedback, load, indicators, report, documents, analyst copy,
  portal (and a second pull with nothing changed);
- `prefect_engine`: the same flow shape with no work, a flow run with one task run per
  stage of the annual flow: what the Prefect engine itself costs a run;
- `whole_command_running_server`: the real command, `python -m flows.annual_report --year
  Y …`, on a fresh warehouse and output folder, with PREFECT_API_URL set to the server the
  benchmark started (a deployment or an operator with a server configured);
- `whole_command`: the same with no server configured, as `make run` does: it starts a
  temporary one of its own (imports, server, engine and every stage together).
  For both, `seconds_until_first_stage` is when the run printed "đang tổng hợp": the fixed
  cost paid before the first workbook is read.

Memory: `peak_rss_mb` is the highest resident set size of this process *during* the stage
(sampled every 5 ms), or of the child for the subprocess stages (sampled every 100 ms);
`tree_peak_rss_mb` the highest total of that process and every process under it (readers,
a Prefect server), `largest_child_peak_rss_mb` the largest of those; for the pull, also the
peak of the workbook reader's own process. CPU seconds beside
the wall time: on a shared machine the wall time says how long it took, the CPU time how
much work it was; `kernel_cpu_seconds` is the part of it spent in system calls (the portal
creates a file per page: on ext4 without a journal each creation costs more when many files
were deleted in the minutes before, e.g. by an earlier benchmark's clean-up). The slowest
pipeline stage (or `--profile STAGE`) is run again under cProfile: `<out>.<stage>.prof` and
a top-30 text beside the JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

from core.runtime import configure_environment

configure_environment()

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
# stages of the annual flow, as `flows.annual_report._run_year` calls them (not the
# reference, the second pull, the imports or the engine)
PIPELINE = ("pull", "validate", "feedback", "load", "indicators", "report", "documents",
            "analyst_copy", "portal")


class _PeakSampler:
    """The highest resident set size of this process while a stage runs."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_MB

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss_mb())
            self._stop.wait(0.005)

    def __enter__(self) -> _PeakSampler:
        self.peak = self.rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss_mb())


def _tree_rss_mb(root: int) -> tuple[float, float, float]:
    """Now, in MB: the resident size of process `root`, the total of it and every process
    under it, and the largest of the processes under it (0 when none)."""
    parent, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        pid = int(entry.name)
        parent[pid], rss[pid] = int(fields[1]), int(fields[21]) * PAGE_MB
    under, frontier = [], [root]
    while frontier:
        found = [pid for pid, ppid in parent.items() if ppid in frontier]
        under += found
        frontier = found
    return (rss.get(root, 0.0), rss.get(root, 0.0) + sum(rss[pid] for pid in under),
            max((rss[pid] for pid in under), default=0.0))


class _TreeSampler:
    """While a stage runs (every 100 ms): the highest total resident size of a process and
    every process under it (the pull's readers, the portal's worker, a Prefect server),
    and the highest size of any one process under it. getrusage cannot say it: a child's
    ru_maxrss starts at its parent's size, carried over through fork and exec."""

    def __init__(self, root: int) -> None:
        self.root, self.own, self.total, self.largest_child = root, 0.0, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            own, total, largest = _tree_rss_mb(self.root)
            self.own, self.total = max(self.own, own), max(self.total, total)
            self.largest_child = max(self.largest_child, largest)
            self._stop.wait(0.1)

    def __enter__(self) -> _TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _kernel_cpu() -> float:
    """CPU seconds this process has spent in the kernel, every thread."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


class Bench:
    def __init__(self, out: Path | None = None, **about: object) -> None:
        self.stages: list[dict] = []
        self.out, self.about = out, about

    def measure(self, name: str, func: Callable, *args, **kwargs):
        with _PeakSampler() as sampler, _TreeSampler(os.getpid()) as tree:
            start, cpu = time.perf_counter(), time.process_time()
            children, kernel = _children_cpu(), _kernel_cpu()
            result = func(*args, **kwargs)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            children, kernel = _children_cpu() - children, _kernel_cpu() - kernel
        figure = {"stage": name, "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
                  # of which in the kernel (system calls): creating thousands of files costs
                  # more there when many were deleted just before (see docs/performance.md)
                  "kernel_cpu_seconds": round(kernel, 3),
                  "peak_rss_mb": round(sampler.peak, 1),
                  # with the processes under this one: the benchmark's own Prefect server
                  # (from prefect_server_start on), the pull's readers, the portal's worker
                  "tree_peak_rss_mb": round(tree.total, 1),
                  "largest_child_peak_rss_mb": round(tree.largest_child, 1)}
        if children >= 0.001:  # processes the stage started and ended (the pull's readers)
            figure["children_cpu_seconds"] = round(children, 3)
        if reader := getattr(result, "reader_peak_mb", 0.0):
            figure["reader_process_peak_rss_mb"] = reader
        self._add(figure)
        return result

    def child(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              mark: str | None = None) -> None:
        """A stage run as its own process: its wall time and its peak resident set size;
        with `mark`, also the seconds until the child first printed a line containing it."""
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        lines, marked = [], None
        with _TreeSampler(process.pid) as tree:
            for line in process.stdout:
                lines.append(line)
                if mark and marked is None and mark.encode() in line:
                    marked = time.perf_counter() - start
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            sys.stderr.write(b"".join(lines).decode(errors="replace"))
            raise RuntimeError(f"{name}: {' '.join(argv)} exited {process.returncode}")
        figure = {"stage": name, "wall_seconds": round(wall, 3),
                  "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
                  "kernel_cpu_seconds": round(usage.ru_stime, 3),
                  # sampled: ru_maxrss would start at this process's own size (fork, exec)
                  "peak_rss_mb": round(tree.own, 1), "process": "child",
                  "tree_peak_rss_mb": round(tree.total, 1),
                  "largest_child_peak_rss_mb": round(tree.largest_child, 1)}
        if marked is not None:
            figure["seconds_until_first_stage"] = round(marked, 3)
        self._add(figure)

    def _add(self, figure: dict) -> None:
        self.stages.append(figure)
        if self.out:  # so far, in case a long run is stopped before its end
            self.out.write_text(json.dumps({**self.about, "complete": False,
                                            "stages": self.stages}, indent=2,
                                           ensure_ascii=False) + "\n", encoding="utf-8")
        reader = figure.get("reader_process_peak_rss_mb")
        children = figure.get("children_cpu_seconds")
        print(f"  {figure['stage']:<22} {figure['wall_seconds']:8.2f} s   "
              f"CPU {figure['cpu_seconds']:8.2f} s "
              f"(kernel {figure['kernel_cpu_seconds']:5.2f})   "
              + (f"(+ {children:.2f} s children) " if children else "") +
              f"peak RSS {figure['peak_rss_mb']:8.1f} MB"
              + (f"   reader process {reader:6.1f} MB" if reader else "")
              + (f"   first stage after {figure['seconds_until_first_stage']:.2f} s"
                 if "seconds_until_first_stage" in figure else ""), flush=True)

    def wall(self, name: str) -> float:
        return next(f["wall_seconds"] for f in self.stages if f["stage"] == name)


def bare_read(files: list[Path], warehouse: Path) -> int:
    """Every cell of every tab of every workbook, with python-calamine, into one DuckDB
    table (file, tab, row, column, value as text), and nothing else."""
    import duckdb
    import pandas as pd
    from python_calamine import CalamineWorkbook

    rows: dict[str, list] = {"file": [], "tab": [], "row_number": [], "column_number": [],
                             "value": []}
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for r, row in enumerate(book.get_sheet_by_name(name).to_python(), start=1):
                for c, value in enumerate(row, start=1):
                    if value != "":
                        rows["file"].append(path.name)
                        rows["tab"].append(name)
                        rows["row_number"].append(r)
                        rows["column_number"].append(c)
                        rows["value"].append(str(value))
    frame = pd.DataFrame(rows)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create or replace table cells as select * from frame")
    return len(frame)


def _import_gx() -> None:
    import great_expectations  # noqa: F401


def _engine_flow(tasks: int):
    """A flow run with `tasks` task runs that do nothing: the engine's own cost."""
    from prefect import flow, task

    @task
    def nothing(i: int) -> int:
        return i

    @flow(name="bench-engine")
    def engine() -> int:
        return sum(nothing(i) for i in range(tasks))

    return engine


def _stages_flow(bench: Bench, settings, year: int):
    """The stages of the annual flow in one flow run, each measured on its own (`.fn`: the
    stage's work, not the task engine's)."""
    from prefect import flow

    from tasks.documents import publish_documents
    from tasks.feedback import write_feedback
    from tasks.indicators import compute_indicators
    from tasks.load import load_year
    from tasks.operations import publish_for_analysts
    from tasks.portal import publish_portal
    from tasks.publish import publish_report
    from tasks.pull import pull_workbooks
    from tasks.validate import validate_submissions

    @flow(name="bench-stages")
    def stages() -> dict:
        bench.measure("pull", pull_workbooks.fn, settings, year)
        checked = bench.measure("validate", validate_submissions.fn, settings, year)
        bench.measure("feedback", write_feedback.fn, settings, checked)
        bench.measure("load", load_year.fn, settings, checked)
        del checked  # as in the flow, where nothing holds the year's records after the load
        figures = bench.measure("indicators", compute_indicators.fn, settings, year)
        bench.measure("report", publish_report.fn, settings, figures)
        bench.measure("documents", publish_documents.fn, settings, year, "annual")
        bench.measure("analyst_copy", publish_for_analysts.fn, settings)
        bench.measure("portal", publish_portal.fn, settings, year)
        bench.measure("pull_unchanged_again", pull_workbooks.fn, settings, year)
        return {"pull": lambda s: pull_workbooks.fn(s, year),
                "validate": lambda s: validate_submissions.fn(s, year),
                # these two validate again first (the records are not kept): profiled with it
                "load": lambda s: load_year.fn(s, validate_submissions.fn(s, year)),
                "indicators": lambda s: compute_indicators.fn(s, year),
                "report": lambda s: publish_report.fn(s, figures),
                "documents": lambda s: publish_documents.fn(s, year, "annual"),
                "analyst_copy": publish_for_analysts.fn,
                "portal": lambda s: publish_portal.fn(s, year),
                "feedback": lambda s: write_feedback.fn(s, validate_submissions.fn(s, year))}

    return stages


def _profile(again: Callable, settings, out: Path, stage: str) -> dict:
    """Run one stage again under cProfile; keep the .prof and a top-30 by cumulative time."""
    profiler = cProfile.Profile()
    profiler.runcall(again, settings)
    prof = out.with_suffix(f".{stage}.prof")
    profiler.dump_stats(prof)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    top = out.with_suffix(f".{stage}.top30.txt")
    top.write_text(text.getvalue(), encoding="utf-8")
    return {"stage": stage, "prof": prof.name, "top30": top.name}


def _profile_flow(again: Callable, settings, out: Path, stage: str):
    from prefect import flow

    @flow(name="bench-profile")
    def profiled() -> dict:
        return _profile(again, settings, out, stage)

    return profiled


def _drain_prefect_workers() -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (EventsWorker, APILogWorker):
        worker.drain_all(timeout=10)


@contextmanager
def _flow_context():
    from core.runtime import command_line_settings  # as the command runs its flow

    with command_line_settings():
        yield


def _workbooks(data: Path, units: int | None, year: int):
    """The seeds and the year's workbooks of `units` synthetic units in `data`: generated
    once, reused by later runs that name the same folder (`--data`)."""
    from core.registry import read_registry
    from demo.generate import generate, synthetic_registry

    done = data / f".generated-{units or 'registry'}-{year}"
    seeds = data / "seeds" if units else None
    if not done.is_file():
        seeds = synthetic_registry(units, data / "seeds") if units else None
        registry = read_registry(seeds) if seeds else read_registry()
        print(f"Tạo tệp báo cáo mẫu cho {len(registry.units)} đơn vị …", flush=True)
        generate(data / "reports", [year], registry)
        done.write_text("ok\n", encoding="utf-8")
    return read_registry(seeds) if seeds else read_registry(), seeds


def run(units: int | None, year: int, out: Path, command: bool = True,
        profile: str | None = "slowest", data: Path | None = None) -> dict:
    from core.runtime import prefect_api
    from core.settings import RunSettings

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        root = Path(tmp)
        registry, seeds = _workbooks(data or root, units, year)
        settings = RunSettings((data or root) / "reports", root / "warehouse.duckdb",
                               root / "output", seeds or registry.seeds_dir)
        files = sorted((settings.reports_dir / str(year)).glob("*.xlsx"))
        bench = Bench(out, units=len(files), year=year)
        print(f"Đo {len(files)} tệp, năm {year}:", flush=True)
        # os._exit: the imports only, not the teardown of the interpreter after them
        bench.child("imports", [sys.executable, "-c",
                                "import os, flows.annual_report; os._exit(0)"])
        bench.measure("import_gx", _import_gx)
        bench.measure("bare_read", bare_read, files, root / "bare.duckdb")
        server = prefect_api()
        url = bench.measure("prefect_server_start", server.__enter__)

        def whole_command(name: str, folder: str, api: str | None = None) -> None:
            env = {**os.environ, "HB_SEEDS_DIR": str(settings.seeds_dir)}
            if api:
                env["PREFECT_API_URL"] = api
            bench.child(name, [
                sys.executable, "-m", "flows.annual_report", "--year", str(year),
                "--reports-dir", str(settings.reports_dir),
                "--warehouse", str(root / f"{folder}.duckdb"),
                "--output-dir", str(root / f"{folder}-output"),
                "--seeds-dir", str(settings.seeds_dir)], env=env, mark="đang tổng hợp")

        profiled = None
        try:
            with _flow_context():
                again = _stages_flow(bench, settings, year)()
                bench.measure("prefect_engine", _engine_flow(len(PIPELINE) + 1))
                if profile:
                    slowest = profile if profile in PIPELINE else max(PIPELINE, key=bench.wall)
                    print(f"  Hồ sơ cProfile của bước chậm nhất: {slowest}", flush=True)
                    # a stage after the pull replaces what it wrote: run again where it ran;
                    # the pull, on a fresh warehouse (on the same one nothing would be new)
                    where = (replace(settings, warehouse=root / "profiled.duckdb")
                             if slowest == "pull" else settings)
                    profiled = _profile_flow(again[slowest], where, out, slowest)()
            if command and url:  # the same command when a Prefect server is configured
                whole_command("whole_command_running_server", "command-server", url)
        finally:
            _drain_prefect_workers()  # what the engine still sends, before its server goes
            server.__exit__(None, None, None)
        if command:  # its own temporary Prefect server, as `make run` does
            whole_command("whole_command", "command")
        pipeline = round(sum(bench.wall(s) for s in PIPELINE), 3)
        per_unit = {"pipeline_ms": round(1000 * pipeline / len(files), 2),
                    "bare_read_ms": round(1000 * bench.wall("bare_read") / len(files), 3)}
        per_unit["ratio"] = round(per_unit["pipeline_ms"] / per_unit["bare_read_ms"], 1)
        result = {
            "units": len(files), "year": year, "complete": True,
            "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(),
            "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
            "stages": bench.stages,
            "pipeline_stages_seconds": pipeline,
            "per_unit": per_unit,
            "peak_rss_mb": max(f["peak_rss_mb"] for f in bench.stages),
            # the largest of any one process: this one, a whole command, or one under them
            "largest_process_mb": max(max(f["peak_rss_mb"], f.get("largest_child_peak_rss_mb",
                                                                  0.0))
                                      for f in bench.stages),
            "tree_peak_rss_mb": max(f.get("tree_peak_rss_mb", 0.0) for f in bench.stages),
            "profile": profiled,
            "read_limits": asdict(settings.limits),
            "warehouse_mb": round(settings.warehouse.stat().st_size / 2**20, 1),
        }
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Các bước của quy trình: {pipeline:.1f} s; mỗi đơn vị {per_unit['pipeline_ms']} ms "
          f"(đọc trần {per_unit['bare_read_ms']} ms, gấp {per_unit['ratio']} lần)")
    print(f"Kết quả đo: {out}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=None,
                        help="number of synthetic units (default: the real registry)")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-command", action="store_true",
                        help="skip the whole command run at the end")
    parser.add_argument("--profile", default="slowest", choices=["slowest", *PIPELINE],
                        help="the stage to run again under cProfile (default: the slowest)")
    parser.add_argument("--no-profile", action="store_true", help="no cProfile run")
    parser.add_argument("--data", type=Path, default=None,
                        help="keep the generated seeds and workbooks in this folder and reuse "
                             "them on the next run (default: a temporary folder)")
    args = parser.parse_args(argv)
    out = args.out or Path("bench/results") / f"bench-{args.units or 'registry'}.json"
    run(args.units, args.year, out, command=not args.no_command,
        profile=None if args.no_profile else args.profile, data=args.data)


if __name__ == "__main__":
    main()
