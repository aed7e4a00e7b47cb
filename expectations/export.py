"""Write the suites as JSON into `expectations/suites/`, so that they are kept in the
repository and a change of the template shows up in review as a change of the suites.

    python -m expectations.export

The suites are built for a reference year; they do not depend on the registry (the
activity assignments are looked up in the frame, see `expectations.suites`).
A test checks that the committed files equal a fresh build.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.template import TEMPLATE, Tab
from expectations.suites import build_suite

SUITES_DIR = Path(__file__).resolve().parent / "suites"
REFERENCE_YEAR = 2025


def suite_json(tab: Tab, year: int) -> str:
    """The suite of one tab as stable JSON text: sorted keys, indented, UTF-8."""
    suite = build_suite(tab, year)
    return json.dumps(suite.to_json_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_suites(directory: Path = SUITES_DIR, year: int = REFERENCE_YEAR) -> list[Path]:
    """Write `<tab key>.json` for every tab of the template; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for tab in TEMPLATE:
        path = directory / f"{tab.key}.json"
        path.write_text(suite_json(tab, year), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    for path in export_suites():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
