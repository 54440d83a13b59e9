"""What a statement hands back to the cursor: rows (streamed), description, rowcount, lastrowid."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple, Optional


class Column(NamedTuple):
    """One entry of ``cursor.description``: the 7 items PEP 249 names."""

    name: str
    type_code: Optional[str]
    display_size: Optional[int] = None
    internal_size: Optional[int] = None
    precision: Optional[int] = None
    scale: Optional[int] = None
    null_ok: Optional[bool] = None


@dataclass
class Result:
    description: Optional[list[Column]] = None
    rows: Iterator[tuple[Any, ...]] = field(default_factory=lambda: iter(()))
    rowcount: int = -1
    lastrowid: Any = None
    close: Any = None  # releases the server cursor, if any


def empty(description: Optional[list[Column]] = None, rowcount: int = -1) -> Result:
    return Result(description, iter(()), rowcount)
