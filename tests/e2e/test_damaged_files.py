"""One unit's damaged, oversized or odd file affects only that unit, and no row is lost.

The demo year 2024 (21 reporting units) is run twice: once as generated (the reference),
once through the command line with one kind of damaged or odd file in each of 18 units'
places. Each kind, the unit that carries it, and what must come of it:

| unit | its file | status | issue |
|---|---|---|---|
| VHTT | "Hoạt động" sheet XML cut in half | invalid | unreadable_workbook |
| GDDT | `workbook.xml` cut in half | invalid | unreadable_workbook |
| YTE | a DOCTYPE with nested entities (entity expansion) | invalid | unreadable_workbook |
| NOIVU | a sheet inflating to 40 MB (limit 20 MB) | invalid | unreadable_workbook |
| HLHPN | 60,000 extra rows (limit 10,000) | invalid | unreadable_workbook |
| P-MINHKHAI | a value in XFD1048576 (reader out of memory) | invalid | unreadable_workbook |
| P-TRAICHUOI | a 3 MB file (limit 2 MB): bytes not kept | invalid | unreadable_workbook |
| LDLD | a folder named `LDLD.xlsx` | missing | not_a_file |
| P-THUONGLY | a symbolic link to a good workbook | missing | symlink_refused |
| KINHTE | used range `A1:XFD1048576` (a styled far cell) | as reference | - |
| TCKH | `<dimension ref="A1:B2">`, shorter than the data | as reference | - |
| TTVHTTTT | no `<dimension>` | as reference | - |
| DOANTN | `DOANTN.XLSX` | as reference | - |
| TUPHAP | `TUPHAP.xls` (Excel 97-2003, by LibreOffice) | as reference | - |
| P-SODAU | `P-SODAU.ods` (by LibreOffice) | as reference | - |
| P-HUNGVUONG | `P-HUNGVUONG.xlsm` | as reference | - |
| P-HALY | `P-HALY.xlsx` (2023's, older), `p-haly.xlsx` (newer) | as reference | duplicate_file |
| P-QUANTOAN | `_x0001_` control characters in a description | as reference | - |

and a stray folder `X.xlsx` (not_a_file for "X"). The other units (LDTBXH, P-HOANGVANTHU,
P-PHANBOICHAU) keep their reference status; "as reference" units load every row the
reference loaded, value for value.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from sources.xlsx import sheet_parts
from tests.runs import rows

YEAR = 2024
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
STAGING = ("stg_workbook__activities", "stg_workbook__conventions",
           "stg_workbook__media_outlets", "stg_workbook__survey_responses",
           "stg_workbook__submissions")
LIMITS = {"HB_READ_MAX_FILE_MB": "2", "HB_READ_MAX_UNPACKED_MB": "20",
          "HB_READ_MAX_ROWS": "10000", "HB_READ_SECONDS": "30", "HB_READ_MEMORY_MB": "512"}
INVALID = ("VHTT", "GDDT", "YTE", "NOIVU", "HLHPN", "P-MINHKHAI", "P-TRAICHUOI")
MISSING = ("LDLD", "P-THUONGLY")
AS_REFERENCE = ("KINHTE", "TCKH", "TTVHTTTT", "DOANTN", "TUPHAP", "P-SODAU", "P-HUNGVUONG",
                "P-HALY", "P-QUANTOAN")
UNTOUCHED = ("LDTBXH", "P-HOANGVANTHU", "P-PHANBOICHAU")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def _patch(path: Path, tab: str | None, change, part: str | None = None) -> None:
    """Rewrite one part of an .xlsx in place: the worksheet of `tab`, or `part`."""
    original = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    target = part or sheet_parts(original)[tab]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for info in original.infolist():
            data = original.read(info.filename)
            rewritten.writestr(info.filename, change(data) if info.filename == target else data)
    path.write_bytes(out.getvalue())


def _tab_of(path: Path, wanted: str) -> str:
    from core.values import match_key

    names = sheet_parts(zipfile.ZipFile(path))
    return next(n for n in names if match_key(n) == match_key(wanted))


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _entity_expansion(data: bytes) -> bytes:
    """A DOCTYPE whose entities expand to 20 × 10⁸ characters, used in a new last row."""
    entities = b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10)
                        for i in range(8))
    doctype = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">' + entities + b"]>"
    row = _last_row(data) + 1
    data = data.replace(b"<worksheet", doctype + b"<worksheet", 1)
    return data.replace(b"</sheetData>", b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>&i;'
                        b"</t></is></c></row></sheetData>" % (row, row), 1)


def _inflated(data: bytes) -> bytes:
    return data.replace(b"<sheetData>", b"<sheetData>" + b" " * (40 * 1024 * 1024), 1)


def _last_row(data: bytes) -> int:
    return max(int(n) for n in re.findall(rb'<row r="(\d+)"', data))


def _extra_rows(data: bytes) -> bytes:
    first = _last_row(data) + 1
    rows = b"".join(b'<row r="%d"><c r="B%d" t="inlineStr"><is><t>.</t></is></c></row>'
                    % (r, r) for r in range(first, first + 60_000))
    return data.replace(b"</sheetData>", rows + b"</sheetData>", 1)


def _far_value(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                        b"<is><t>xa</t></is></c></row></sheetData>", 1)


def _far_style(data: bytes) -> bytes:
    data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data)
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'
                        b"</sheetData>", 1)


def _short_dimension(data: bytes) -> bytes:
    return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B2"/>', data)


def _no_dimension(data: bytes) -> bytes:
    return re.sub(rb'<dimension ref="[^"]*"\s*/>', b"", data)


def _oversized(path: Path) -> None:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as book:
        book.writestr("xl/media/image1.png", os.urandom(3 * 1024 * 1024))


def _control_characters(path: Path) -> str:
    """Put `_x0001_` into the first activity description; return the clean description."""
    from openpyxl import load_workbook

    tab = _tab_of(path, "Hoạt động")
    sheet = load_workbook(path, read_only=True)[tab]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if "Mã hoạt động" in row)
    column = rows[header].index("Nội dung")
    text = rows[header + 1][column]
    _patch(path, None, lambda data: data.replace(
        f"<t>{text}</t>".encode(), f"<t>{text}_x0001_</t>".encode(), 1),
        part="xl/sharedStrings.xml")
    return text


def _convert(source: Path, fmt: str, out_dir: Path) -> Path:
    profile = out_dir / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", fmt, "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=120)
    return out_dir / f"{source.stem}.{fmt}"


def _damage(folder: Path, last_year: Path, scratch: Path) -> dict[str, str]:
    """Put each kind of file in its unit's place; returns what the test must know."""
    def tab(unit: str, name: str = "Hoạt động") -> str:
        return _tab_of(folder / f"{unit}.xlsx", name)

    _patch(folder / "VHTT.xlsx", tab("VHTT"), _cut)
    _patch(folder / "GDDT.xlsx", None, _cut, part="xl/workbook.xml")
    _patch(folder / "YTE.xlsx", tab("YTE"), _entity_expansion)
    _patch(folder / "NOIVU.xlsx", tab("NOIVU"), _inflated)
    _patch(folder / "HLHPN.xlsx", tab("HLHPN"), _extra_rows)
    _patch(folder / "P-MINHKHAI.xlsx", tab("P-MINHKHAI"), _far_value)
    _oversized(folder / "P-TRAICHUOI.xlsx")
    (folder / "LDLD.xlsx").unlink()
    (folder / "LDLD.xlsx").mkdir()
    target = scratch / "elsewhere.xlsx"
    shutil.move(folder / "P-THUONGLY.xlsx", target)
    (folder / "P-THUONGLY.xlsx").symlink_to(target)
    _patch(folder / "KINHTE.xlsx", tab("KINHTE"), _far_style)
    _patch(folder / "TCKH.xlsx", tab("TCKH"), _short_dimension)
    _patch(folder / "TTVHTTTT.xlsx", tab("TTVHTTTT"), _no_dimension)
    (folder / "DOANTN.xlsx").rename(folder / "DOANTN.XLSX")
    for unit, fmt in (("TUPHAP", "xls"), ("P-SODAU", "ods")):
        converted = _convert(folder / f"{unit}.xlsx", fmt, scratch)
        (folder / f"{unit}.xlsx").unlink()
        shutil.move(converted, folder / f"{unit}.{fmt}")
    (folder / "P-HUNGVUONG.xlsx").rename(folder / "P-HUNGVUONG.xlsm")
    (folder / "P-HALY.xlsx").rename(folder / "p-haly.xlsx")
    shutil.copy(last_year / "P-HALY.xlsx", folder / "P-HALY.xlsx")
    os.utime(folder / "P-HALY.xlsx", (time.time() - 3600, time.time() - 3600))
    description = _control_characters(folder / "P-QUANTOAN.xlsx")
    (folder / "X.xlsx").mkdir()
    return {"description": description}


def _process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(p) for p in children.read_text().split()]
            except OSError:
                pass
    return found


def _peak_kb(pid: int) -> int:
    """VmHWM: the peak resident size of the program the process runs now."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def _run_measured(command: list[str], env: dict[str, str]):
    """Run a command; its output, wall seconds, and the peak resident size (MB) of each
    process of its tree, sampled every 50 ms while it runs."""
    started = time.monotonic()
    peaks: dict[tuple[int, str], int] = {}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        out: list[str] = []
        readers = [threading.Thread(target=lambda s=s: out.append(s.read()))
                   for s in (process.stdout, process.stderr)]
        for reader in readers:
            reader.start()
        while process.poll() is None and time.monotonic() - started < 600:
            for pid in _process_tree(process.pid):
                try:
                    name = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                if not name:
                    continue  # a process ending
                key = (pid, name.decode(errors="replace").split(" --")[0])
                peaks[key] = max(peaks.get(key, 0), _peak_kb(pid))
            time.sleep(0.05)
        process.wait(timeout=60)
        for reader in readers:
            reader.join()
    seconds = time.monotonic() - started
    by_process = {f"{pid} {name}": round(kb / 1024, 1) for (pid, name), kb in peaks.items()}
    return process.returncode, "".join(out), seconds, by_process


def _staging(db: Path, unit: str) -> dict[str, list[tuple]]:
    """The unit's staged rows, without what differs between two runs of the same content
    (snapshot ids, file paths, fetch times)."""
    run_specific = {"stg_workbook__submissions": ", source_ref, fetched_at, "
                                                 "first_seen_complete_at"}
    return {t: rows(db, f"select * exclude (snapshot_id{run_specific.get(t, '')}) "
                        f"from staging.{t} where year = ? and unit_code = ? order by all",
                    YEAR, unit)
            for t in STAGING}


@pytest.fixture(scope="module")
def runs(prefect_api, demo_2024, tmp_path_factory):
    """The reference run (the session's demo year 2024, in this process) and the damaged
    run (the command line) on a copy of its folder."""
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed: cannot write .xls and .ods")
    assert YEAR == demo_2024.kwargs["year"]
    root = tmp_path_factory.mktemp("damaged")
    reference, damaged = demo_2024.reports_dir, root / "damaged"
    shutil.copytree(reference, damaged)
    scratch = root / "scratch"
    scratch.mkdir()
    known = _damage(damaged / str(YEAR), damaged / str(YEAR - 1), scratch)
    env = dict(os.environ, PREFECT_API_URL=prefect_api, PYTHONPATH=os.getcwd(), **LIMITS)
    code, output, seconds, peaks = _run_measured(
        [sys.executable, "-m", "flows.annual_report", "--year", str(YEAR), "--reports-dir",
         str(damaged), "--warehouse", str(root / "damaged.duckdb"), "--output-dir",
         str(root / "dmg-out")], env)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "damaged-files.json").write_text(json.dumps(
        {"units": 21, "limits": LIMITS, "seconds": round(seconds, 2),
         "peak_rss_mb_by_process": peaks}, indent=2, ensure_ascii=False), encoding="utf-8")
    return {"ref": demo_2024.warehouse, "dmg": root / "damaged.duckdb", "code": code,
            "output": output, "peaks": peaks, **known}


def test_the_run_completes_cleanly_within_its_limits(runs):
    """Exit 0 and no traceback; the reader process stays under its memory ceiling (512 MB)
    and the run's own process stays the size of a normal run (measured, written to
    test-results/damaged-files.json)."""
    assert 0 == runs["code"], runs["output"]
    assert "Traceback" not in runs["output"]
    readers = [mb for name, mb in runs["peaks"].items() if "sources.reader" in name]
    pipeline = [mb for name, mb in runs["peaks"].items() if "flows.annual_report" in name]
    assert readers and max(readers) <= 512, runs["peaks"]
    assert pipeline and max(pipeline) < 1024, runs["peaks"]


def test_damaged_files_make_only_their_unit_invalid(runs):
    statuses = dict(rows(runs["dmg"], "select unit_code, status from marts.submission_status "
                                      "where year = ?", YEAR))
    reference = dict(rows(runs["ref"], "select unit_code, status from "
                                       "marts.submission_status where year = ?", YEAR))
    assert {u: "invalid" for u in INVALID} == {u: statuses[u] for u in INVALID}
    assert {u: "missing" for u in MISSING} == {u: statuses[u] for u in MISSING}
    kept = AS_REFERENCE + UNTOUCHED
    assert {u: reference[u] for u in kept} == {u: statuses[u] for u in kept}
    assert 21 == len(statuses)


def test_each_unit_is_told_what_is_wrong_with_its_file(runs):
    messages = dict(rows(runs["dmg"], "select unit_code, message_vi from quality.issues "
                                      "where year = ? and rule = 'unreadable_workbook'", YEAR))
    assert set(INVALID) == set(messages)
    assert messages["NOIVU"] == (
        "Đơn vị NOIVU: Tệp «NOIVU.xlsx» không đọc được: nội dung tệp khi giải nén quá lớn "
        "(hơn 20,0 MB, giới hạn 20,0 MB); hãy xóa các dòng, cột, hình ảnh thừa, chỉ giữ các "
        "trang của mẫu báo cáo, lưu lại rồi nộp lại.")
    assert messages["HLHPN"].startswith(
        "Đơn vị HLHPN: Tệp «HLHPN.xlsx» không đọc được: trang «Hoạt động» có dữ liệu đến "
        "dòng 600")
    assert "quá giới hạn 10000 dòng; hãy xóa các dòng thừa phía dưới bảng" in messages["HLHPN"]
    assert messages["P-TRAICHUOI"].startswith(
        "Đơn vị P-TRAICHUOI: Tệp «P-TRAICHUOI.xlsx» không đọc được: tệp quá lớn (3,0 MB, "
        "giới hạn 2,0 MB); hãy xóa")
    assert "tệp quá lớn hoặc quá phức tạp để đọc (trình đọc dừng" in messages["P-MINHKHAI"]
    assert "giới hạn bộ nhớ 512,0 MB" in messages["P-MINHKHAI"]
    for unit in ("VHTT", "GDDT", "YTE"):
        assert messages[unit].startswith(f"Đơn vị {unit}: Tệp «{unit}.xlsx» không đọc được: "
                                         "tệp bị hỏng"), messages[unit]
        assert messages[unit].endswith("hãy mở tệp bằng Excel, lưu lại dưới dạng .xlsx rồi "
                                       "nộp lại.")


def test_the_folder_itself_is_reported(runs):
    found = rows(runs["dmg"], "select unit_code, rule, severity, value from quality.issues "
                              "where year = ? and rule in ('not_a_file', 'symlink_refused', "
                              "'duplicate_file') order by unit_code", YEAR)
    assert [("LDLD", "not_a_file", "warning", "LDLD.xlsx"),
            ("P-HALY", "duplicate_file", "warning", "p-haly.xlsx, P-HALY.xlsx"),
            ("P-THUONGLY", "symlink_refused", "warning", "P-THUONGLY.xlsx"),
            ("X", "not_a_file", "warning", "X.xlsx")] == found
    (twin,) = rows(runs["dmg"], "select message_vi from quality.issues where year = ? and "
                                "rule = 'duplicate_file'", YEAR)[0]
    assert twin == ("Đơn vị P-HALY: Có 2 tệp báo cáo của đơn vị («p-haly.xlsx», «P-HALY.xlsx»):"
                    " tệp «p-haly.xlsx», sửa gần nhất, được dùng; các tệp kia vẫn được lưu lại: "
                    "hãy xóa tệp thừa.")


def test_legitimate_odd_files_load_every_row(runs):
    """Every row the reference loaded, value for value, for the files that are odd but
    honest; the control characters are gone from the description."""
    for unit in AS_REFERENCE + UNTOUCHED:
        expected, got = _staging(runs["ref"], unit), _staging(runs["dmg"], unit)
        if unit == "P-QUANTOAN":
            got = json.loads(json.dumps(got, default=str).replace("\\u0001", ""))
            expected = json.loads(json.dumps(expected, default=str))
        assert expected == got, unit
    staged = {u: len(_staging(runs["ref"], u)["stg_workbook__activities"])
              for u in AS_REFERENCE}
    assert all(n > 0 for n in staged.values()), staged  # the comparison is not vacuous


def test_every_file_is_kept_within_the_size_limit(runs):
    """Damaged files are kept as submitted; both twins are kept; the oversized file's
    bytes are not, its size is."""
    kept = dict(rows(runs["dmg"], "select unit_code, count(*) from raw.snapshots "
                                  "where year = ? group by all", YEAR))
    assert 2 == kept["P-HALY"]
    assert all(kept.get(u) == 1 for u in ("VHTT", "GDDT", "YTE", "NOIVU", "HLHPN",
                                          "P-MINHKHAI")), kept
    ((size, stored),) = rows(runs["dmg"], "select content_bytes, octet_length(content) "
                                          "from raw.snapshots where unit_code = 'P-TRAICHUOI'")
    assert (size > 3 * 1024 * 1024, 0) == (True, stored)
    assert "LDLD" not in kept and "P-THUONGLY" not in kept
