"""How a year's files are split into the parts read on the cores (tasks/pull.py)."""

from tasks.pull import split_work


def test_parts_keep_each_unit_whole_and_in_order():
    """At most 2 files a part, except that a unit's twins stay in one part: VHTT's two
    files (the counted one last) make the first part 3 files long."""
    work = [("LDTBXH", "LDTBXH.xlsx"), ("VHTT", "VHTT.xls"), ("VHTT", "vhtt.xlsx"),
            ("P-HALY", "P-HALY.xlsx"), ("P-MINHKHAI", "P-MINHKHAI.xlsx"), ("X", "X.xlsx")]
    assert [
        [("LDTBXH", "LDTBXH.xlsx"), ("VHTT", "VHTT.xls"), ("VHTT", "vhtt.xlsx")],
        [("P-HALY", "P-HALY.xlsx"), ("P-MINHKHAI", "P-MINHKHAI.xlsx")],
        [("X", "X.xlsx")],
    ] == split_work(work, 2)


def test_one_part_when_the_size_allows_and_none_for_no_file():
    work = [("A", "A.xlsx"), ("B", "B.xlsx"), ("C", "C.xlsx")]
    assert [work] == split_work(work, 200)
    assert [] == split_work([], 200)
