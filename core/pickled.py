"""How the validated year's dataclasses pickle: by their values, never by field names.

Prefect keys the load's cache on a pickle of its inputs (the validated year), and pickle
writes each string object once: its bytes follow which objects are shared, not only the
values. The parser's record keys ("unit_code", "year", …) are the same interned objects as
the dataclasses' field names; a dataclass pickled with its `__dict__` has those names
interned again when loaded, so the loaded records' keys were other objects than the names,
and a retry's inputs (loaded from storage) pickled to other bytes than the first attempt's:
the UI's Retry loaded the year again instead of serving the load from the cache. Pickled
as `cls(*values)`, no field name is written; a pickle made before (a `__dict__` state) still
loads, into the `__dict__`. `tests/unit/test_result_hash.py` holds both.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any


def by_values(self: Any) -> tuple[type, tuple[object, ...]]:
    """A dataclass's `__reduce__`: its constructor and its fields' values in order (every
    field is an `__init__` argument)."""
    return type(self), tuple(getattr(self, f.name) for f in fields(self))
