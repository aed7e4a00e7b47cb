"""Benchmark: pulling N spreadsheets from the Google Sheets emulator, without a rate limit
and at 300 requests a minute (Google's per-project read quota).

    python -m bench.gsheets [--spreadsheets 1000] [--rate-limits 0,300] [--out FILE]

Generates the demo workbooks of one year for N units (the real registry plus synthetic
wards), serves them from the emulator (tests/emulator, on loopback, in this process) and
runs the pull stage with each rate limit on its own fresh warehouse: a first pull
(everything new), a pull with nothing changed, and a pull after 10 spreadsheets were saved
again (their modifiedTime moved; same values, so no new snapshot). Reports the
requests by kind from the emulator's log, requests per spreadsheet and wall time, as JSON.

The one module of `bench/` that imports from `tests/`: the emulator is test code (a fake
Google that must never ship with the pipeline), and this benchmark is its only other user;
`bench.run` imports nothing from `tests/`.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from core.runtime import configure_environment

configure_environment()

CHANGED = 10


def _pull(settings, year: int, emulator) -> dict:
    from tasks.pull import pull_gsheets

    emulator.reset_log()
    start = time.perf_counter()
    summary = pull_gsheets(settings, year)
    wall = time.perf_counter() - start
    kinds = Counter(r.kind for r in emulator.requests() if r.kind != "oauth.token")
    sheets = summary.expected
    print(f"    {sum(kinds.values()):6d} requests, {wall:8.1f} s  {dict(kinds)}", flush=True)
    return {"wall_seconds": round(wall, 2), "requests": dict(kinds),
            "requests_total": sum(kinds.values()),
            "requests_per_spreadsheet": round(sum(kinds.values()) / sheets, 4),
            "new_snapshots": summary.new_snapshots, "unchanged": summary.unchanged,
            "errors": len(summary.errors)}


def run(spreadsheets: int, year: int, rate_limits: list[int], out: Path) -> dict:
    from admin.register import stage_folder
    from core.registry import expected_units, read_registry
    from core.settings import settings_from
    from demo.generate import generate, synthetic_registry
    from tests.emulator import running_emulator

    with tempfile.TemporaryDirectory(prefix="bench-gsheets-") as tmp:
        root = Path(tmp)
        real = len(expected_units(read_registry(), year))
        seeds = synthetic_registry(max(0, spreadsheets - real), root / "seeds")
        registry = read_registry(seeds)
        print(f"Tạo {len(expected_units(registry, year))} bảng tính mẫu …", flush=True)
        generate(root / "reports", [year], registry)
        staged = stage_folder(root / "reports", [year], root / "drive", root / "register.csv")
        results = []
        with running_emulator(root / "drive") as emulator:
            for limit in rate_limits:
                print(f"  Giới hạn {limit or 'không'} yêu cầu/phút:", flush=True)
                settings = settings_from(
                    source="gsheets", gsheets_register=str(root / "register.csv"),
                    gsheets_credentials="anonymous", gsheets_api_base_url=emulator.base_url,
                    warehouse=str(root / f"w-{limit}.duckdb"), seeds_dir=str(seeds),
                    gsheets_reads_per_minute=limit)
                first = _pull(settings, year, emulator)
                unchanged = _pull(settings, year, emulator)
                for path in sorted((root / "drive").glob("*.xlsx"))[:CHANGED]:
                    emulator.add_spreadsheet(path.stem, path.read_bytes())
                changed = _pull(settings, year, emulator)
                results.append({"reads_per_minute": limit, "first_pull": first,
                                "nothing_changed": unchanged,
                                f"{CHANGED}_changed": changed})
        shutil.rmtree(root / "reports", ignore_errors=True)
    result = {"spreadsheets": staged, "year": year, "python": platform.python_version(),
              "machine": platform.machine(), "workers": settings.gsheets.workers,
              "note": "emulator on loopback in the same process: wall time is the "
                      "pipeline's and the emulator's work, not Google's latency",
              "runs": results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Kết quả đo: {out}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gsheets", description=__doc__)
    parser.add_argument("--spreadsheets", type=int, default=1000)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--rate-limits", default="0,300",
                        help="requests per minute to try, 0 = no limit (default 0,300)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    limits = [int(v) for v in args.rate_limits.split(",") if v.strip()]
    out = args.out or Path("bench/results") / f"gsheets-{args.spreadsheets}.json"
    run(args.spreadsheets, args.year, limits, out)


if __name__ == "__main__":
    main()
