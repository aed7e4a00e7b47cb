"""The locality seed (core.registry.read_locality): what the default seed says, how a bad
row is named, that a run refuses a seed folder with a bad locality before writing anything,
and that no Python module outside demo/ and tests/ names the place."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from core.registry import (
    DEFAULT_SEEDS_DIR,
    Locality,
    LocalityError,
    locality_from_rows,
    read_locality,
)
from core.report import scope_vi, unit_kind_vi
from core.settings import SettingError, check_paths, settings_from

PROJECT_DIR = Path(__file__).resolve().parents[2]
PLACE_NAMES = re.compile("Hồng Bàng|Hải Phòng|Hong Bang", re.IGNORECASE)
MINIMAL = [{"key": "name", "value": "Lê Lợi"}, {"key": "level", "value": "xã"},
           {"key": "sub_unit", "value": "thôn"}, {"key": "issuer", "value": "UBND xã Lê Lợi"},
           {"key": "letterhead", "value": "UBND XÃ LÊ LỢI"}, {"key": "place", "value": "Lê Lợi"},
           {"key": "plan_title", "value": "Kế hoạch"}, {"key": "recipient", "value": "Lưu: VT"}]


def test_default_seed_is_the_plans_district():
    """The shipped seed: the plan's issuer, letterhead, place and six recipients."""
    locality = read_locality()
    assert ("quận Hồng Bàng", "Quận Hồng Bàng, thành phố Hải Phòng", "Phường") == (
        locality.full_name, locality.area, locality.sub_unit_title)
    assert ("Ủy ban nhân dân quận Hồng Bàng", ("ỦY BAN NHÂN DÂN", "QUẬN HỒNG BÀNG"),
            "Hồng Bàng") == (locality.issuer, locality.letterhead, locality.place)
    assert ("Sở Lao động - TBXH HP", "CT, các PCT UBND quận",
            "Các Phòng, Ban, Ngành, Đoàn thể quận liên quan", "UBND 09 phường",
            "CVP, P. Lao động - TBXH", "Lưu: VT") == locality.recipients


def test_a_province_has_no_parent_and_its_own_words():
    """"parent" may be left out (a province); the labels take the level and sub-unit words."""
    locality = locality_from_rows(MINIMAL)
    assert Locality("Lê Lợi", "xã", "", "thôn", "UBND xã Lê Lợi", ("UBND XÃ LÊ LỢI",),
                    "Lê Lợi", "Kế hoạch", ("Lưu: VT",)) == locality
    assert "Xã Lê Lợi" == locality.area
    assert {"district": "Toàn xã", "audience": "Nhóm đối tượng", "ward": "Thôn"} == \
        scope_vi(locality)
    assert {"agency": "Cơ quan, đơn vị cấp xã", "ward": "Thôn"} == unit_kind_vi(locality)


@pytest.mark.parametrize(("rows", "message"), [
    ([*MINIMAL, {"key": "tinh", "value": "x"}],
     "locality.csv, dòng 10: khóa «tinh» không hợp lệ; dùng name, level, parent, sub_unit, "
     "issuer, letterhead, place, plan_title, recipient"),
    ([*MINIMAL, {"key": "level", "value": "huyện"}],
     "locality.csv, dòng 10: khóa «level» lặp lại; mỗi khóa một dòng (trừ letterhead và "
     "recipient)"),
    ([{**row, "value": ""} if row["key"] == "issuer" else row for row in MINIMAL],
     "locality.csv, dòng 5: khóa «issuer» chưa có giá trị"),
    ([row for row in MINIMAL if row["key"] not in ("place", "recipient")],
     "locality.csv: thiếu khóa place, recipient"),
])
def test_a_bad_row_is_named(rows, message):
    with pytest.raises(LocalityError) as raised:
        locality_from_rows(rows)
    assert message == str(raised.value)


def test_a_run_refuses_a_seed_folder_without_a_usable_locality(tmp_path):
    """Checked with the other settings, before anything is written: the setting and the
    file are named."""
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    (seeds / "locality.csv").unlink()
    settings = settings_from(reports_dir=tmp_path, warehouse=tmp_path / "w.duckdb",
                             output_dir=tmp_path / "out", seeds_dir=seeds)
    with pytest.raises(SettingError) as raised:
        check_paths(settings)
    assert (f"HB_SEEDS_DIR: không đọc được {seeds / 'locality.csv'} (FileNotFoundError)"
            == str(raised.value))
    assert not (tmp_path / "out").exists()


def test_no_place_name_in_python_outside_demo_and_tests():
    """The place lives in warehouse/seeds/locality.csv: no Python module of the pipeline
    (demo/ and tests/ aside) names it, in code, strings or comments."""
    found = {}
    for path in sorted(PROJECT_DIR.rglob("*.py")):
        relative = path.relative_to(PROJECT_DIR)
        if relative.parts[0] in ("demo", "tests") or relative.parts[0].startswith("."):
            continue
        hits = PLACE_NAMES.findall(path.read_text(encoding="utf-8"))
        if hits:
            found[str(relative)] = hits
    assert {} == found


def test_unit_lists_gather_the_localitys_own_sub_units():
    """A list of units gathers the sub-units under the locality's word: phường in a quận,
    xã in a huyện; a name of the other word is left as it is."""
    from reports.content import unit_list

    names = ["Phòng Y tế", "UBND xã Lập Lễ", "UBND phường Hạ Lý", "UBND xã Kênh Giang"]
    assert ("Phòng Y tế, UBND phường Hạ Lý, UBND 2 xã (Lập Lễ, Kênh Giang)"
            == unit_list(names, "xã"))
    assert ("Phòng Y tế, UBND xã Lập Lễ, UBND xã Kênh Giang, UBND phường Hạ Lý"
            == unit_list(names, "phường"))
    assert "UBND xã Lập Lễ" == unit_list(["UBND xã Lập Lễ"], "xã")
