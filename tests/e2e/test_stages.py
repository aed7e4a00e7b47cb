"""The annual flow's stages as they run (small registry, 2024, four workbooks): the
documents are written again only when what they are made of changed."""

from pathlib import Path

import pytest

from tests.workbooks import report_workbook

ACTIVITY = {"activity_code": "1a", "description": "Mít tinh", "form": "Khác",
            "audience": "Người dân, cộng đồng", "sessions": 2, "is_law_dissemination": "Có"}
UNITS = ("LDTBXH", "VHTT", "P-MINHKHAI", "P-HALY")
@pytest.fixture(scope="module")
def year_2024(prefect_api, small_registry, tmp_path_factory):
    """One annual run."""
    from flows.annual_report import annual_report

    root = tmp_path_factory.mktemp("stages")
    for unit in UNITS:
        report_workbook(root / "reports" / "2024" / f"{unit}.xlsx", unit, 2024,
                        activities=[ACTIVITY])
    paths = dict(reports_dir=str(root / "reports"), warehouse=str(root / "w.duckdb"),
                 output_dir=str(root / "out"), seeds_dir=str(small_registry))
    summary = annual_report(year=2024, **paths)
    return root, paths, summary


def test_documents_are_written_again_only_when_asked_or_changed(year_2024):
    """A second run on the same workbooks keeps bao-cao-2024.docx and .html as they were
    (same bytes, same modification time), and the portal's pages too; with republish=True
    both documents are written again."""
    from flows.annual_report import annual_report

    _, paths, _ = year_2024
    files = [Path(paths["output_dir"]) / "2024" / f"bao-cao-2024.{s}" for s in ("docx", "html")]
    files += sorted((Path(paths["output_dir"]) / "portal").rglob("*.html"))
    before = [(f.stat().st_mtime_ns, f.read_bytes()) for f in files]
    annual_report(year=2024, **paths)
    assert before == [(f.stat().st_mtime_ns, f.read_bytes()) for f in files]
    files, before = files[:2], before[:2]
    annual_report(year=2024, republish=True, **paths)
    assert [True, True] == [f.stat().st_mtime_ns > mtime
                            for f, (mtime, _) in zip(files, before, strict=True)]
