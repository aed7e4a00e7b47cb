"""Reading Vietnamese spreadsheet values (core.values)."""

from datetime import date, datetime

import pytest

from core.values import (
    Parsed,
    fold,
    match_key,
    parse_activity,
    parse_choice,
    parse_date,
    parse_money,
    parse_whole,
    parse_yes_no,
    strip_controls,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1234, Parsed(1234)),
        (80.0, Parsed(80)),
        ("1.234.567", Parsed(1234567)),
        ("80.000", Parsed(80000)),
        ("1 234", Parsed(1234)),
        ("1234", Parsed(1234)),
        (" 15 ", Parsed(15)),
        ("12,5", Parsed(None, "not_whole")),
        (12.5, Parsed(None, "not_whole")),
        ("mười", Parsed(None, "not_whole")),
        ("#REF!", Parsed(None, "formula_error")),
        (None, Parsed(None)),
        ("  ", Parsed(None)),
        ("-3", Parsed(-3)),
    ],
)
def test_parse_whole(cell, expected):
    """Whole numbers: true numbers as they are, Vietnamese thousands dots and spaces read,
    a decimal comma is an error, not 12 or 125."""
    assert expected == parse_whole(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("15.000.000", Parsed(15000000)),
        ("15.000.000 đồng", Parsed(15000000)),
        ("2.500.000đ", Parsed(2500000)),
        ("1.234.567,5", Parsed(1234567.5)),
        ("12,5", Parsed(12.5)),
        (3500000.0, Parsed(3500000)),
        ("ba triệu", Parsed(None, "not_number")),
    ],
)
def test_parse_money(cell, expected):
    """Money in đồng: thousands dots, a decimal comma and a currency word are understood."""
    assert expected == parse_money(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2024, 12, 5, 0, 0), Parsed(date(2024, 12, 5))),
        ("05/12/2024", Parsed(date(2024, 12, 5))),
        ("5/12/2024", Parsed(date(2024, 12, 5))),
        ("2024-12-05", Parsed(date(2024, 12, 5))),
        (45631, Parsed(date(2024, 12, 5))),
        ("45631", Parsed(date(2024, 12, 5))),
        ("31/02/2024", Parsed(None, "not_date")),
        ("tháng 12", Parsed(None, "not_date")),
        (12, Parsed(None, "not_date")),
    ],
)
def test_parse_date(cell, expected):
    """Dates as date cells, serial numbers (45631 is 05/12/2024: 45292 is 01/01/2024),
    dd/mm/yyyy, d/m/yyyy and ISO; an impossible day is an error."""
    assert expected == parse_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Có", Parsed(True)), ("có", Parsed(True)), ("x", Parsed(True)), ("X", Parsed(True)),
        ("✓", Parsed(True)), (1, Parsed(True)), ("TRUE", Parsed(True)), ("Yes", Parsed(True)),
        (True, Parsed(True)), ("Không", Parsed(False)), ("không", Parsed(False)),
        ("0", Parsed(False)), ("FALSE", Parsed(False)), ("No", Parsed(False)),
        (None, Parsed(None)), ("chưa", Parsed(None, "not_yes_no")),
        ("Co\u0301", Parsed(True)),
    ],
)
def test_parse_yes_no(cell, expected):
    """Yes/no as Có/Không, x, ✓, 1/0, TRUE/FALSE, Yes/No, in NFC or NFD; other text errs."""
    assert expected == parse_yes_no(cell)


def test_fold_and_match_key():
    """Tab names and headers meet across accents, case, spacing, tone placement and đ."""
    assert "hoat dong" == fold("Hoạt  Động")
    assert fold("Hòa") == fold("Hoà") == "hoa"
    assert fold("Thủy") == fold("Thuỷ")
    assert match_key("HƯƠNG ƯỚC, QUY ƯỚC") == match_key("huong uoc quy uoc") == "huong uoc quy uoc"
    assert "dam" == fold("đàm")


def test_parse_choice_matches_accent_insensitively_and_keeps_unknown_text():
    """A choice typed without accents or in NFD reads as the canonical label; an unknown
    text is kept as typed so that the allowed-values check names it."""
    choices = ("Hội nghị, hội thảo, tọa đàm", "Khác")
    assert Parsed("Hội nghị, hội thảo, tọa đàm") == parse_choice("hoi nghi hoi thao toa dam",
                                                                  choices)
    nfd = "Hội nghị, hội thảo, tọa đàm".encode().decode()
    import unicodedata

    assert Parsed(choices[0]) == parse_choice(unicodedata.normalize("NFD", nfd), choices)
    assert Parsed("Hội thi") == parse_choice("Hội thi", choices)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1a", "1a"), ("1.a", "1a"), ("1a)", "1a"), ("I.1.a", "1a"), ("4D", "4d"),
     ("VII.7.c", "7c"), ("9z", "9z")],
)
def test_parse_activity(cell, expected):
    """Activity codes written loosely read as 1a…7c; anything else is kept as typed."""
    assert Parsed(expected) == parse_activity(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Hội nghị\x01 tuyên truyền", ("Hội nghị tuyên truyền", ("U+0001",))),
        ("Hội nghị_x0001_ tuyên truyền", ("Hội nghị tuyên truyền", ("U+0001",))),
        ("Mít tinh\x0bhưởng ứng", ("Mít tinh hưởng ứng", ("U+000B",))),  # Word's line break
        ("a_x000c_b\x85c", ("a b c", ("U+000C", "U+0085"))),
        ("x\x7f\x9f\ud800\uffff_xD800_y\x00", ("xy", ("U+007F", "U+009F", "U+D800", "U+FFFF",
                                                   "U+0000"))),
        ("a\x01b\x01c", ("abc", ("U+0001",))),
        ("tab\tline\ncr\r_x0041_ _x000A_ ✓", ("tab\tline\ncr\r_x0041_ _x000A_ ✓", ())),
        (12, (12, ())),
        (None, (None, ())),
    ],
)
def test_control_characters_are_taken_out_and_named(cell, expected):
    """Control characters, raw (Google Sheets, calamine) or in Excel's `_x0001_` form
    (openpyxl), are removed, Word's line and page breaks become spaces, and the code points
    removed are named once each; tab, line feed, CR and other escapes stay as typed."""
    assert expected == strip_controls(cell)
