"""The roles file: which actions each role may take, its view, purposes, quotas.

Pydantic checks the file's shape at this edge; callers receive the frozen
``AccessPolicy``. Every error is a ``PolicyError`` whose message starts with
``file:line:``. Deny by default: ``AccessPolicy.allows`` is false for an action the
file does not list, whatever the role.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from graph.errors import PolicyError
from graph.policy.lines import LineIndex, Loc, read_policy_text, validate_toml

DEFAULT_ROLES_NAME = "roles.toml"

_Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
_Action = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*\.[a-z][a-z_]*$")]


class RoleView(StrEnum):
    """What a role sees of personal data."""

    FULL = "full"
    MASKED = "masked"


@dataclass(frozen=True, slots=True)
class Purpose:
    """A purpose a caller may state: a code (ASCII) and its name (as the rules say)."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One permission: an operation of the API or a command of the CLI."""

    name: str
    personal: bool
    summary: str


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """One role: its actions, view, purposes and quotas."""

    name: str
    summary: str
    view: RoleView
    actions: frozenset[str]
    purposes: tuple[Purpose, ...]
    default_purpose: Purpose | None
    requests_per_minute: int
    persons_per_hour: int
    own_file: bool = False

    def purpose(self, stated: str) -> Purpose | None:
        """The purpose ``stated`` names (by code or name), if the role may state it;
        the default purpose when nothing is stated."""
        text = stated.strip()
        if not text:
            return self.default_purpose
        for purpose in self.purposes:
            if text in (purpose.code, purpose.name):
                return purpose
        return None


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Every action and role of a roles file."""

    source: str
    actions: dict[str, ActionSpec]
    roles: dict[str, RoleSpec]

    def allows(self, role: str, action: str) -> bool:
        """Whether ``role`` may take ``action`` (never for an unlisted action)."""
        spec = self.roles.get(role)
        return action in self.actions and spec is not None and action in spec.actions


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ActionModel(_Strict):
    personal: bool
    summary: str = ""


class _RoleModel(_Strict):
    summary: str = ""
    view: RoleView
    actions: list[_Action]
    purposes: list[_Key]
    default_purpose: _Key | None = None
    requests_per_minute: int = Field(ge=1)
    persons_per_hour: int = Field(ge=0)
    own_file: bool = False


class _RolesModel(_Strict):
    actions: dict[_Action, _ActionModel]
    purposes: dict[_Key, Annotated[str, StringConstraints(min_length=1)]]
    roles: dict[_Key, _RoleModel]


def default_roles_path() -> Path:
    """The packaged roles file."""
    return Path(str(resources.files("api.access").joinpath(DEFAULT_ROLES_NAME)))


def roles_path() -> Path:
    """``CREDLINK_ROLES`` when set, else the packaged roles file."""
    configured = os.environ.get("CREDLINK_ROLES")
    return Path(configured) if configured else default_roles_path()


@lru_cache(maxsize=8)
def load_roles(path: Path | None = None) -> AccessPolicy:
    """Read and validate a roles file (default: ``roles_path()``)."""
    path = path or roles_path()
    return parse_roles(read_policy_text(path, "roles file"), str(path))


def parse_roles(text: str, source: str) -> AccessPolicy:
    """Validate roles ``text`` read from ``source`` (a name used in messages)."""
    spec, lines = validate_toml(text, source, _RolesModel)
    purposes = {code: Purpose(code, name) for code, name in spec.purposes.items()}
    actions = {
        name: ActionSpec(name, a.personal, a.summary)
        for name, a in spec.actions.items()
    }
    roles: dict[str, RoleSpec] = {}
    for name, role in spec.roles.items():
        here: Loc = ("roles", name)
        for index, action in enumerate(role.actions):
            if action not in actions:
                raise _fail(
                    source, lines, (*here, "actions"),
                    f"action {action!r} (item {index + 1}) is not under [actions]",
                )  # fmt: skip
        for code in [*role.purposes, *filter(None, [role.default_purpose])]:
            if code not in purposes:
                raise _fail(
                    source, lines, (*here, "purposes"),
                    f"purpose {code!r} is not under [purposes]",
                )  # fmt: skip
        if role.default_purpose and role.default_purpose not in role.purposes:
            raise _fail(
                source, lines, (*here, "default_purpose"),
                f"{role.default_purpose!r} is not one of the role's purposes",
            )  # fmt: skip
        roles[name] = RoleSpec(
            name=name,
            summary=role.summary,
            view=role.view,
            actions=frozenset(role.actions),
            purposes=tuple(purposes[code] for code in role.purposes),
            default_purpose=(
                purposes[role.default_purpose] if role.default_purpose else None
            ),
            requests_per_minute=role.requests_per_minute,
            persons_per_hour=role.persons_per_hour,
            own_file=role.own_file,
        )
    return AccessPolicy(source=source, actions=actions, roles=roles)


def _fail(source: str, lines: LineIndex, loc: Loc, message: str) -> PolicyError:
    where = ".".join(str(part) for part in loc)
    return PolicyError(f"{source}:{lines.line_of(loc)}: {where}: {message}")
