"""How a year's wanted files are split into the parts read on the cores
(tasks/pull_parts.py)."""

from sources.base import Wanted
from tasks.pull_parts import split_wanted


def test_parts_keep_each_unit_whole_and_in_order():
    """At most 2 files a part, except that a unit's twins stay in one part: VHTT's two
    files (the counted one last) make the first part 3 files long."""
    wanted = [Wanted("LDTBXH", "LDTBXH.xlsx"), Wanted("VHTT", "VHTT.xls"),
              Wanted("VHTT", "vhtt.xlsx"), Wanted("P-HALY", "P-HALY.xlsx"),
              Wanted("P-MINHKHAI", "P-MINHKHAI.xlsx"), Wanted("X", "X.xlsx")]
    assert [
        [Wanted("LDTBXH", "LDTBXH.xlsx"), Wanted("VHTT", "VHTT.xls"),
         Wanted("VHTT", "vhtt.xlsx")],
        [Wanted("P-HALY", "P-HALY.xlsx"), Wanted("P-MINHKHAI", "P-MINHKHAI.xlsx")],
        [Wanted("X", "X.xlsx")],
    ] == split_wanted(wanted, 2)


def test_one_part_when_the_size_allows_and_none_for_no_file():
    wanted = [Wanted("A", "A.xlsx"), Wanted("B", "B.xlsx"), Wanted("C", "C.xlsx")]
    assert [wanted] == split_wanted(wanted, 200)
    assert [] == split_wanted([], 200)
