"""The portal's tables rendered once for HTML, CSV and the workbook's sheet
(reports.portal.render_table), its cells worked out once per distinct cell: values that are
equal as keys but not as text (1, 1.0, True; 0.0 and -0.0) keep their own forms."""

from __future__ import annotations

from reports.portal import Cell, Table, _count, _raw, _total, render_table


def test_cells_equal_as_keys_keep_their_own_forms():
    """CSV: 1, 1.0, True, 0.0, -0.0 as Python writes them; the sheet: numbers, a boolean,
    and "-0" for -0.0; HTML: numbers right-aligned, the boolean not; a blank dash is an
    empty field and an empty text cell (as the writer before the memo wrote them all)."""
    row = (Cell("x", "x"), Cell("1", 1), Cell("1", 1.0), Cell("1", True), Cell("0", 0.0),
           Cell("0", -0.0), Cell("–"))
    table = Table("T", ("a", "b", "c", "d", "e", "f", "g"), (row, row))
    done = render_table(table, "bang-1", "../", "tai-ve/p-1", "tai-ve/p")
    lines = done.csv.decode("utf-8-sig").split("\r\n")
    assert ["a,b,c,d,e,f,g", "x,1,1.0,True,0.0,-0.0,", "x,1,1.0,True,0.0,-0.0,", ""] == lines
    cells = ('<c r="A3" t="inlineStr"><is><t>x</t></is></c><c r="B3" t="n"><v>1</v></c>'
             '<c r="C3" t="n"><v>1</v></c><c r="D3" t="b"><v>1</v></c>'
             '<c r="E3" t="n"><v>0</v></c><c r="F3" t="n"><v>-0</v></c>'
             '<c r="G3" t="inlineStr"></c>')
    assert f'<row r="3">{cells}</row>' in done.sheet
    assert ('<tr><th scope="row">x</th><td class="num">1</td><td class="num">1</td>'
            '<td>1</td><td class="num">0</td><td class="num">0</td><td>–</td></tr>') in done.html


def test_counts_and_raw_values_of_equal_keys_differ_where_their_text_does():
    assert ["0", "-0", "3", "3", "2,50", "–"] == [
        _count(0.0), _count(-0.0), _count(3), _count(3.0), _count(2.5), _count(float("nan"))]
    assert [(3, int), (3, int), (True, bool), (2.5, float), ("", str)] == [
        (v, type(v)) for v in (_raw(3), _raw(3.0), _raw(True), _raw(2.5), _raw(None))]


def test_a_total_is_numpys_sum_to_the_last_digit():
    """Under 8 values added one by one from 0.0, as numpy's pairwise sum does; from 8 on,
    numpy's sum: 0.1 + 0.2 + 0.3 is 0.6000000000000001 either way; eight and nine 0.1 sum
    to numpy's 0.8 and 0.9 (one by one: 0.7999999999999999 and 0.8999999999999999)."""
    assert 0.6000000000000001 == _total([0.1, 0.2, 0.3])
    assert 0.0 == _total([None, float("nan")])
    assert [0.8, 0.9] == [_total([0.1] * 8), _total([0.1] * 9)]
