"""What each published output was made from: a fingerprint of its inputs and the SHA-256 of
each file written, kept in `<output>/.published/<name>.json` after the files. A stage whose
inputs have the same fingerprint, and whose files are all still the ones written then,
need not write them again (a file removed or changed by hand is written again)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from core.files import write_bytes

PUBLISHED_DIR = ".published"
PROJECT_DIR = Path(__file__).resolve().parent.parent
# the code that turns figures into published text: a change to it changes the outputs
RENDERERS = ("reports/*.py", "core/report.py", "core/escape.py", "core/template.py")


def code_digest() -> bytes:
    digest = hashlib.sha256()
    for pattern in RENDERERS:
        for path in sorted(PROJECT_DIR.glob(pattern)):
            digest.update(pattern.encode() + path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def record_of(output_dir: Path, name: str) -> Path:
    return output_dir / PUBLISHED_DIR / f"{name}.json"


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def unchanged(record: Path, fingerprint: str, folder: Path) -> bool:
    """True when the files recorded were made from `fingerprint` and are all still in
    `folder` as written."""
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
        files = kept["files"]
        if kept["fingerprint"] != fingerprint or not isinstance(files, dict) or not files:
            return False
        return all(isinstance(name, str) and _sha256(folder / name) == sha
                   for name, sha in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def remember(record: Path, fingerprint: str, folder: Path, names: Iterable[str],
             hashes: Mapping[str, str] | None = None) -> None:
    """Record the files just written in `folder` (names relative to it): last, so that a
    run killed before this writes them again. `hashes`: their SHA-256 when the writer
    knows them (else each file is read back)."""
    record.parent.mkdir(parents=True, exist_ok=True)
    kept = {"fingerprint": fingerprint,
            "files": {name: hashes[name] if hashes is not None else _sha256(folder / name)
                      for name in sorted(names)}}
    write_bytes(record, _record_text(kept).encode("utf-8"))


def _record_text(kept: dict) -> str:
    """`json.dumps(kept, indent=1, ensure_ascii=False)`, a record of tens of thousands of
    files laid out by the C string encoder (json's own indented writer is pure Python)."""
    files = kept["files"]
    if (not files or not isinstance(kept["fingerprint"], str)
            or not all(isinstance(v, str) for v in files.values())):
        return json.dumps(kept, indent=1, ensure_ascii=False)
    text = _JSON_STRING
    entries = ",\n".join([f"  {text(name)}: {text(sha)}" for name, sha in files.items()])
    return f'{{\n "fingerprint": {text(kept["fingerprint"])},\n "files": {{\n{entries}\n }}\n}}'


_JSON_STRING = json.encoder.encode_basestring  # a str as JSON, non-ASCII kept (C)
