"""Where each table and key of a TOML text starts, for error messages that name a
line (tomllib reports no positions)."""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from graph.errors import PolicyError

if TYPE_CHECKING:
    from pathlib import Path

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


_M = TypeVar("_M", bound=BaseModel)


def read_policy_text(path: Path, what: str) -> str:
    """The text of a policy file; PolicyError ``path:0: cannot read the WHAT``."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}:0: cannot read the {what}: {exc.strerror or exc}"
        raise PolicyError(msg) from exc


def validate_toml(text: str, source: str, model: type[_M]) -> tuple[_M, LineIndex]:
    """Parse TOML ``text`` read from ``source`` and validate it with ``model``.

    Returns the model and the text's line index (for the caller's own checks).
    Every error is a PolicyError starting ``source:line:``: invalid TOML at the line
    tomllib names, a shape error at the line of the first key pydantic names.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{source}:{toml_error_line(exc)}: invalid TOML: {exc}"
        raise PolicyError(msg) from exc
    lines = LineIndex(text)
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        where = ".".join(str(part) for part in loc) or "(top)"
        msg = f"{source}:{lines.line_of(loc)}: {where}: {first['msg']}"
        raise PolicyError(msg) from exc
