"""Where each table and key of a TOML text starts, for error messages that name a
line (tomllib reports no positions)."""

from __future__ import annotations

import re

Loc = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


class LineIndex:
    """Where each table and key of a TOML text starts, by its path in the document.

    Scans the text: ``[a.b]`` and ``[[a.b]]`` headers set the current table (arrays
    of tables get their running index), and a ``key =`` line records ``table +
    key``. Good enough for plain layouts (the measures catalogue, the roles file);
    a path it cannot find falls back to its longest known prefix.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[Loc, int] = {}
        self._arrays: dict[Loc, int] = {}
        table: Loc = ()
        for number, raw in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(raw)
            if header:
                path = _split_key(header.group(2))
                if header.group(1) == "[[":
                    index = self._arrays.get(path, -1) + 1
                    self._arrays[path] = index
                    table = (*path, index)
                else:
                    table = path
                self._remember(table, number)
                continue
            assign = _ASSIGN.match(raw)
            if assign and not raw.lstrip().startswith("#"):
                self._remember((*table, *_split_key(assign.group(1))), number)

    def _remember(self, path: Loc, number: int) -> None:
        for cut in range(1, len(path) + 1):
            self._lines.setdefault(path[:cut], number)
        self._lines[path] = number

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc`` or of its longest known prefix; 1 when none is known."""
        for cut in range(len(loc), 0, -1):
            number = self._lines.get(tuple(loc[:cut]))
            if number is not None:
                return number
        return 1


def _split_key(text: str) -> Loc:
    return tuple(part.strip().strip("\"'") for part in text.split("."))


def toml_error_line(exc: Exception) -> int:
    """The line a ``tomllib.TOMLDecodeError`` points at (0 when it names none)."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int) and line:
        return line
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else 0
