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


def test_blank_cells_rows_of_one_field_and_ragged_rows_as_csv_writer_writes_them():
    """A NaN value has no sheet cell (its row keeps the others; in CSV it is Python's
    "nan", as csv.writer writes it: the pages give NaN as "" through _raw); a row of one
    empty field is "" in CSV (csv.writer's rule), a row of one text is the text; rows not
    all as long keep their own lengths."""
    nan = float("nan")
    two = render_table(Table("T", ("a", "b"), ((Cell("–", nan), Cell("x", "x")),
                                               (Cell("1", 1), Cell("–", nan)))),
                       "b", "", "c", "x")
    assert "a,b\r\nnan,x\r\n1,nan\r\n" == two.csv.decode("utf-8-sig")
    assert ('<row r="3"><c r="B3" t="inlineStr"><is><t>x</t></is></c></row>'
            '<row r="4"><c r="A4" t="n"><v>1</v></c></row>') in two.sheet
    one = render_table(Table("T", ("a",), ((Cell("–"),), (Cell("y"),))), "b", "", "c", "x")
    assert 'a\r\n""\r\ny\r\n' == one.csv.decode("utf-8-sig")
    ragged = render_table(Table("T", ("a", "b"), ((Cell("p"),), (Cell("q"), Cell("r")))),
                          "b", "", "c", "x")
    assert "a,b\r\np\r\nq,r\r\n" == ragged.csv.decode("utf-8-sig")
    assert ('<tbody><tr><th scope="row">p</th></tr>'
            '<tr><th scope="row">q</th><td>r</td></tr></tbody>') in ragged.html


def test_a_long_table_numbers_its_rows_on_across_its_parts():
    """A table longer than the rows laid out at once (2,048) goes on from sheet row 2,050
    to 2,051 and ends on row 2,502; its CSV has every row, in order."""
    rows = tuple((Cell(str(n), n), Cell("x")) for n in range(2500))
    done = render_table(Table("T", ("n", "x"), rows), "b", "", "c", "x")
    assert ('<row r="2050"><c r="A2050" t="n"><v>2047</v></c>'
            '<c r="B2050" t="inlineStr"><is><t>x</t></is></c></row>'
            '<row r="2051"><c r="A2051" t="n"><v>2048</v></c>') in done.sheet
    assert done.sheet.count("<row ") == 2502
    assert done.sheet.endswith('<row r="2502"><c r="A2502" t="n"><v>2499</v></c>'
                               '<c r="B2502" t="inlineStr"><is><t>x</t></is></c></row>'
                               "</sheetData><pageMargins left=\"0.75\" right=\"0.75\" "
                               'top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')
    lines = done.csv.decode("utf-8-sig").split("\r\n")
    assert ["n,x", "0,x", "2047,x", "2048,x", "2499,x", ""] == [
        lines[0], lines[1], lines[2048], lines[2049], lines[2500], lines[2501]]
