"""The portal's record of published files (tasks.published), written without json's
pure-Python indented writer: the same text to the byte."""

from __future__ import annotations

import json

from tasks.published import _record_text


def test_the_published_record_is_json_dumps_text():
    """The record laid out by hand is json.dumps(indent=1, ensure_ascii=False) to the
    byte: quotes, backslashes and Vietnamese kept; an empty list of files and a file that
    could not be read (null) go through json itself."""
    for kept in ({"fingerprint": "ab", "files": {"a/b.html": "01", 'x"\\ạ\n': "ff"}},
                 {"fingerprint": "ab", "files": {}},
                 {"fingerprint": "ab", "files": {"a": None}}):
        assert json.dumps(kept, indent=1, ensure_ascii=False) == _record_text(kept)
    assert ('{\n "fingerprint": "ab",\n "files": {\n  "a/b.html": "01",\n'
            '  "x\\"\\\\ạ\\n": "ff"\n }\n}') == _record_text(
        {"fingerprint": "ab", "files": {"a/b.html": "01", 'x"\\ạ\n': "ff"}})
