"""The portal's files on disk (tasks.portal.write_site): written whole, unchanged files left
alone, files of an earlier build removed."""

from __future__ import annotations

import os

from tasks.portal import write_site


def test_a_new_build_rewrites_changed_files_only_and_removes_old_ones(tmp_path):
    """The second build keeps index.html as it was (same bytes: its time stamp is not
    touched), replaces don-vi/A.html, adds tai-ve/A.csv, removes nguon/old.html and its
    emptied folder, and leaves no temporary file behind."""
    folder = tmp_path / "portal"
    write_site(folder, {"index.html": b"home", "don-vi/A.html": b"x", "nguon/old.html": b"o"})
    for name in ("index.html", "don-vi/A.html"):
        os.utime(folder / name, ns=(10**9, 10**9))
    write_site(folder, {"index.html": b"home", "don-vi/A.html": b"y", "tai-ve/A.csv": b"c"})
    found = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file()}
    assert {"index.html": b"home", "don-vi/A.html": b"y", "tai-ve/A.csv": b"c"} == found
    assert [10**9, True] == [(folder / "index.html").stat().st_mtime_ns,
                             (folder / "don-vi" / "A.html").stat().st_mtime_ns != 10**9]
    assert not (folder / "nguon").exists()
