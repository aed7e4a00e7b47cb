"""Bad settings and arguments: one Vietnamese line naming the setting and what to do, exit
code 2, no traceback, nothing replaced; a run waiting on the warehouse lock says for whom."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.annual_report import main
from warehouse.lock import WarehouseBusy, warehouse_lock


@pytest.fixture()
def place(tmp_path, small_registry, monkeypatch):
    """A reports folder, a warehouse and an earlier output that a refused run must leave
    byte for byte as they are."""
    for name in ("HB_YEAR", "HB_REPORTS_DIR", "HB_WAREHOUSE", "HB_OUTPUT_DIR", "HB_SEEDS_DIR",
                 "HB_SOURCE", "HB_SETTINGS_FILE", "HB_ANALYST_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "reports" / "2024").mkdir(parents=True)
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table earlier as select 1 as kept")
    earlier = tmp_path / "out" / "2024" / "bao-cao-2024.md"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("báo cáo lần trước", encoding="utf-8")
    args = ["--reports-dir", str(tmp_path / "reports"), "--warehouse", str(warehouse),
            "--output-dir", str(tmp_path / "out"), "--seeds-dir", str(small_registry)]
    files = {p: p.read_bytes() for p in (warehouse, earlier)}
    return tmp_path, args, files


def _refused(capsys, argv) -> str:
    """Run the command line in this process; it must exit 2 with exactly one line on
    stderr and nothing on stdout. Returns that line."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    assert (2, "") == (code, out)
    assert 1 == len(err.splitlines()) and "Traceback" not in err, err
    return err.rstrip("\n")


def _unchanged(tmp_path: Path, files: dict[Path, bytes]) -> None:
    assert files == {p: p.read_bytes() for p in files}
    assert sorted(["out", "reports", "w.duckdb"]) == sorted(
        p.name for p in tmp_path.iterdir() if p.name != "blocker" and p.suffix != ".lock")


@pytest.mark.parametrize(("env", "extra", "expected"), [
    ({"HB_YEAR": "abc"}, [],
     "HB_YEAR: «abc» không phải năm; dùng một năm như 2024 hoặc một khoảng năm như "
     "2022-2025"),
    ({"HB_YEAR": "2025-2023"}, [],
     "HB_YEAR: «2025-2023»: năm đầu lớn hơn năm cuối; viết như 2022-2025"),
    ({"HB_YEAR": "1999"}, [],
     "HB_YEAR: năm 1999 nằm ngoài danh mục: danh mục đơn vị bắt đầu từ năm 2022 "
     "(units.csv trong {seeds}); chọn năm từ 2022 đến 2100"),
    ({}, ["--year", "2021"],
     "--year: năm 2021 nằm ngoài danh mục: danh mục đơn vị bắt đầu từ năm 2022 "
     "(units.csv trong {seeds}); chọn năm từ 2022 đến 2100"),
    ({"HB_YEAR": "2024"}, ["--year", "2021-2024"],
     "--year: năm 2021 nằm ngoài danh mục: danh mục đơn vị bắt đầu từ năm 2022 "
     "(units.csv trong {seeds}); chọn năm từ 2022 đến 2100"),
    ({}, ["--year", "2024", "--source", "excel"],
     "Cấu hình không hợp lệ: HB_SOURCE: «excel» không hợp lệ; dùng local hoặc gsheets"),
    ({"HB_RESULTS_KEEP_DAYS": "bảy"}, ["--year", "2024"],
     "HB_RESULTS_KEEP_DAYS: «bảy» không hợp lệ; dùng một số không âm (mặc định 7)"),
    ({}, ["--year", "2024", "--colour", "red"],
     "Tham số không hợp lệ: tham số không nhận ra: --colour red; xem: "
     "python -m flows.annual_report --help"),
])
def test_bad_year_or_argument(place, capsys, monkeypatch, small_registry, env, extra,
                              expected):
    """A year that is not a year, outside the registry (it starts in 2022) or beyond 2100,
    an unknown source, option or result-storage bound: one line naming it, exit 2,
    nothing replaced."""
    tmp_path, args, files = place
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    line = _refused(capsys, [*args, *extra])
    if not expected.startswith(("Cấu hình", "Tham số")):
        expected = "Cấu hình không hợp lệ: " + expected
    assert expected.format(seeds=small_registry) == line
    _unchanged(tmp_path, files)


def test_bad_folders(place, capsys, small_registry):
    """Output folder under a file, reports folder missing or a file, warehouse a folder,
    seeds folder missing: each named, with what to do; nothing replaced."""
    tmp_path, args, files = place
    blocker = tmp_path / "blocker"
    blocker.write_text("một tệp")

    def refused(option: str, value: Path) -> str:
        changed = list(args)
        changed[changed.index(option) + 1] = str(value)
        return _refused(capsys, [*changed, "--year", "2024"])

    prefix = "Cấu hình không hợp lệ: "
    assert (f"{prefix}HB_OUTPUT_DIR: thư mục kết quả {blocker}/out nằm dưới tệp {blocker}, "
            "không phải thư mục; chọn một thư mục khác"
            ) == refused("--output-dir", blocker / "out")
    assert (f"{prefix}HB_REPORTS_DIR: thư mục báo cáo {tmp_path}/khong-co không tồn tại; tạo "
            "thư mục (mỗi năm một thư mục con, như 2024/) hoặc chỉ đúng thư mục bằng "
            "--reports-dir") == refused("--reports-dir", tmp_path / "khong-co")
    assert (f"{prefix}HB_REPORTS_DIR: {blocker} là một tệp, không phải thư mục báo cáo; chỉ "
            "đúng thư mục bằng --reports-dir") == refused("--reports-dir", blocker)
    assert (f"{prefix}HB_WAREHOUSE: {tmp_path}/out là một thư mục; chỉ đến một tệp .duckdb "
            "(như data/warehouse.duckdb)") == refused("--warehouse", tmp_path / "out")
    assert refused("--seeds-dir", tmp_path / "khong-co").startswith(
        f"{prefix}HB_SEEDS_DIR: không đọc được danh mục đơn vị trong {tmp_path}/khong-co "
        "(FileNotFoundError: ")
    _unchanged(tmp_path, files)


def test_bad_settings_file(place, capsys, monkeypatch):
    """HB_SETTINGS_FILE missing, not TOML, with an unknown key or a bad year: named."""
    tmp_path, args, files = place
    settings = tmp_path / "blocker"
    monkeypatch.setenv("HB_SETTINGS_FILE", str(settings))
    prefix = "Cấu hình không hợp lệ: HB_SETTINGS_FILE: "
    assert (f"{prefix}không đọc được tệp cấu hình {settings} (FileNotFoundError); kiểm tra "
            "đường dẫn trong HB_SETTINGS_FILE") == _refused(capsys, args)
    settings.write_text("year = \n", encoding="utf-8")
    assert _refused(capsys, args).startswith(
        f"{prefix}tệp cấu hình {settings} không đúng cú pháp TOML (")
    settings.write_text('nam = 2024\n', encoding="utf-8")
    assert (f"{prefix}khóa không hợp lệ trong {settings}: nam; dùng các khóa như year, "
            "reports_dir, warehouse, output_dir hoặc bảng [gsheets]") == _refused(capsys, args)
    settings.write_text('year = "hai nghìn"\n', encoding="utf-8")
    assert ("Cấu hình không hợp lệ: year (HB_SETTINGS_FILE): «hai nghìn» không phải năm; "
            "dùng một năm như 2024 hoặc một khoảng năm như 2022-2025"
            ) == _refused(capsys, args)
    settings.unlink()
    _unchanged(tmp_path, files)


def test_warehouse_held_by_another_program(place, capsys):
    """A process holding the DuckDB file read-write (an analyst's session on the
    pipeline's own file): its pid is named, exit 2, the warehouse untouched."""
    tmp_path, args, files = place
    warehouse = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert "open\n" == holder.stdout.readline()
        line = _refused(capsys, [*args, "--year", "2024"])
    finally:
        holder.kill()
        holder.wait()
    assert line.startswith(f"Cấu hình không hợp lệ: HB_WAREHOUSE: kho dữ liệu {warehouse} "
                           f"đang được chương trình khác mở (pid {holder.pid}, ")
    assert line.endswith("); đóng chương trình đó rồi chạy lại (người phân tích đọc bản sao "
                         "trong thư mục analyst/, không mở tệp này)")
    _unchanged(tmp_path, files)


def test_the_command_itself_answers_in_one_line(place):
    """The real command (`python -m flows.annual_report`) with HB_YEAR=abc: exit 2, one
    line on stderr, no traceback."""
    tmp_path, args, _ = place
    env = dict(os.environ, HB_YEAR="abc", PYTHONPATH=os.getcwd())
    done = subprocess.run([sys.executable, "-m", "flows.annual_report", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert (2, "", "Cấu hình không hợp lệ: HB_YEAR: «abc» không phải năm; dùng một năm như "
            "2024 hoặc một khoảng năm như 2022-2025\n") == (
                done.returncode, done.stdout, done.stderr)


def test_a_waiting_run_says_for_whom_and_keeps_saying_so(tmp_path):
    """While another process holds the warehouse lock, the waiting run says at once who
    holds it (pid, since when, which command) and again every report period, then gives
    up with a clear message."""
    warehouse = tmp_path / "w.duckdb"
    script = tmp_path / "holder.py"
    script.write_text("import sys, time\nfrom pathlib import Path\nfrom warehouse.lock import "
                      "warehouse_lock\nwith warehouse_lock(Path(sys.argv[1])):\n"
                      "    print('held', flush=True)\n    time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, str(script), str(warehouse), "--marker"],
                              stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=os.getcwd()))
    said: list[str] = []
    try:
        assert "held\n" == holder.stdout.readline()
        written = json.loads((tmp_path / "w.duckdb.lock").read_text(encoding="utf-8"))
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy:
            with warehouse_lock(warehouse, timeout_seconds=3.0, poll_seconds=0.1,
                                report_every_seconds=1.0, say=said.append):
                pass
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert holder.pid == written["pid"]
    assert f"{sys.executable} {script} {warehouse} --marker" == written["command"]
    since = written["since"]  # ISO time in Hồng Bàng: "2026-12-01T22:41:05+07:00"
    shown = f"{since[11:19]} {since[8:10]}/{since[5:7]}/{since[0:4]}"
    who = f"tiến trình {holder.pid} (từ {shown}, lệnh: {written['command']})"
    assert 3.0 <= waited < 10
    pattern = re.compile(re.escape(f"Đang chờ kho dữ liệu {warehouse}: {who} đang ghi; đã "
                                   "chờ ") + r"(\d+)" + re.escape(" giây, chờ tối đa 3 giây"))
    assert all(pattern.fullmatch(line) for line in said), (said, who)
    seconds = [int(pattern.fullmatch(line)[1]) for line in said]
    assert 0 == seconds[0] and len(seconds) >= 2  # at once, then again each second
    assert seconds == sorted(set(seconds)) and seconds[-1] <= 3
    assert (f"Kho dữ liệu {warehouse} vẫn đang được {who} ghi sau 3 giây chờ; chạy lại khi "
            "lần chạy đó xong") == str(busy.value)
    with warehouse_lock(warehouse, timeout_seconds=1):  # free again once the holder died
        assert "" != (tmp_path / "w.duckdb.lock").read_text(encoding="utf-8")


def test_a_deployment_run_checks_before_replacing(place, prefect_api):
    """The flow run as a deployment runs it (parameters, no command line) with its output
    folder under a file: it fails at its start naming HB_OUTPUT_DIR, before pulling; the
    warehouse keeps what it had and records the failed run."""
    from core.settings import SettingError
    from flows.annual_report import annual_report

    tmp_path, args, files = place
    blocker = tmp_path / "blocker"
    blocker.write_text("một tệp")
    options = dict(zip(args[::2], args[1::2], strict=True))
    with pytest.raises(SettingError) as caught:
        annual_report(year=2024, reports_dir=options["--reports-dir"],
                      warehouse=options["--warehouse"], output_dir=str(blocker / "out"),
                      seeds_dir=options["--seeds-dir"])
    assert (f"HB_OUTPUT_DIR: thư mục kết quả {blocker}/out nằm dưới tệp {blocker}, không "
            "phải thư mục; chọn một thư mục khác") == str(caught.value)
    with duckdb.connect(options["--warehouse"], read_only=True) as con:
        assert [(1,)] == con.execute("select * from earlier").fetchall()
        assert [(0,)] == con.execute("select count(*) from raw.fetches").fetchall()
        assert [("FAILED", f"Flow run encountered an exception: SettingError: {caught.value}")
                ] == con.execute(
            "select state, message from ops.flow_runs").fetchall()
