"""The incentives catalogue as data: commendation kinds, the facilitations each
earns, for how long, and which sanctions suspend it (TOML).

Pydantic checks the file's shape at this edge; callers receive the frozen
``IncentivesCatalogue``. Every error is a PolicyError starting ``file:line:``.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.errors import PolicyError
from graph.model import EntityKind
from graph.policy.catalogue import LegalBasis, Period
from graph.policy.lines import read_policy_text, validate_toml

DEFAULT_INCENTIVES_NAME = "incentives.toml"
INCENTIVES_ENV = "CREDLINK_INCENTIVES"


@dataclass(frozen=True, slots=True)
class Facilitation:
    """One facilitation a commendation earns (绿色通道, 容缺受理 …)."""

    key: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class CommendationKind:
    """A kind of good record and what it earns.

    ``lasts``: how long after the decision date the facilitations hold (the
    commendation's own ``valid_until`` may end them sooner). A sanction decided
    after the commendation whose type is in ``suspending_types`` or whose severity
    (under its rule version) is in ``suspending_severities`` suspends it while
    displayed; ``returns`` says whether it counts again afterwards.
    """

    key: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    subjects: tuple[EntityKind, ...]
    facilitations: tuple[Facilitation, ...]
    lasts: Period
    returns: bool
    suspending_types: frozenset[str]
    suspending_severities: frozenset[str]
    basis: tuple[LegalBasis, ...]

    def suspended_by(self, sanction_type: str, severity: str) -> bool:
        """Whether a sanction of this type and severity suspends the kind."""
        return sanction_type in self.suspending_types or (
            bool(severity) and severity in self.suspending_severities
        )


@dataclass(frozen=True, slots=True)
class IncentivesCatalogue:
    """Every commendation kind, looked up by key or by a written name."""

    source: str
    name_zh: str
    name_en: str
    example: bool
    kinds: tuple[CommendationKind, ...]

    def get(self, key: str) -> CommendationKind | None:
        """The kind with this key, or None."""
        for kind in self.kinds:
            if kind.key == key:
                return kind
        return None

    def names(self) -> dict[str, str]:
        """Accepted names (NFKC, lower-cased): key, Chinese name and aliases -> key."""
        found: dict[str, str] = {}
        for kind in self.kinds:
            for name in (kind.key, kind.name_zh, kind.name_en, *kind.aliases):
                found.setdefault(_clean(name), kind.key)
        return found


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Basis(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _Facilitation(_Strict):
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class _Suspension(_Strict):
    types: list[str] = Field(default_factory=list)
    severities: list[Literal["serious", "general", "minor"]] = Field(
        default_factory=list
    )


class _Kind(_Strict):
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    subjects: list[Literal["person", "enterprise"]] = Field(min_length=1)
    facilitations: list[str] = Field(min_length=1)
    lasts: str
    returns: bool
    suspended_by: _Suspension
    basis: list[_Basis] = Field(min_length=1)


class _Spec(_Strict):
    version: Literal[1]
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    example: bool = False
    facilitations: dict[str, _Facilitation] = Field(min_length=1)
    kinds: dict[str, _Kind] = Field(min_length=1)


def default_incentives_path() -> Path:
    """The path of the incentives catalogue shipped with credlink (an example)."""
    return Path(str(resources.files("graph.policy").joinpath(DEFAULT_INCENTIVES_NAME)))


def configured_incentives() -> IncentivesCatalogue:
    """The incentives catalogue named by ``CREDLINK_INCENTIVES``, else the packaged
    example: what the loaders, the CLI and the HTTP API use."""
    named = os.environ.get(INCENTIVES_ENV)
    return load_incentives(Path(named) if named else None)


@lru_cache(maxsize=8)
def load_incentives(path: Path | None = None) -> IncentivesCatalogue:
    """Read and validate an incentives catalogue (default: the packaged example)."""
    path = path or default_incentives_path()
    return parse_incentives(read_policy_text(path, "incentives catalogue"), str(path))


def parse_incentives(
    text: str, source: str, sanction_types: frozenset[str] | None = None
) -> IncentivesCatalogue:
    """Validate incentives catalogue ``text`` read from ``source``.

    ``sanction_types``, when given, are the measures catalogue's types: a
    suspending type outside them is refused (a typo would never suspend).
    """
    spec, lines = validate_toml(text, source, _Spec)
    facilitations = {
        key: Facilitation(key, f.name_zh, f.name_en)
        for key, f in spec.facilitations.items()
    }
    kinds: list[CommendationKind] = []
    seen: dict[str, str] = {}
    for key, kind in spec.kinds.items():
        where = ("kinds", key)
        for name in (key, kind.name_zh, *kind.aliases):
            other = seen.setdefault(_clean(name), key)
            if other != key:
                msg = (
                    f"{source}:{lines.line_of(where)}: kinds.{key}: the name "
                    f"{name!r} also names {other}"
                )
                raise PolicyError(msg)
        unknown = [f for f in kind.facilitations if f not in facilitations]
        if unknown:
            msg = (
                f"{source}:{lines.line_of((*where, 'facilitations'))}: kinds.{key}."
                f"facilitations: unknown facilitation {unknown[0]!r}"
            )
            raise PolicyError(msg)
        try:
            lasts = Period.parse(kind.lasts)
        except ValueError as exc:
            msg = (
                f"{source}:{lines.line_of((*where, 'lasts'))}: kinds.{key}.lasts: {exc}"
            )
            raise PolicyError(msg) from None
        strange = [
            t
            for t in kind.suspended_by.types
            if sanction_types is not None and t not in sanction_types
        ]
        if strange:
            msg = (
                f"{source}:{lines.line_of((*where, 'suspended_by'))}: kinds.{key}."
                f"suspended_by: unknown sanction type {strange[0]!r}"
            )
            raise PolicyError(msg)
        kinds.append(
            CommendationKind(
                key=key,
                name_zh=kind.name_zh,
                name_en=kind.name_en,
                aliases=tuple(kind.aliases),
                subjects=tuple(EntityKind(s) for s in kind.subjects),
                facilitations=tuple(facilitations[f] for f in kind.facilitations),
                lasts=lasts,
                returns=kind.returns,
                suspending_types=frozenset(kind.suspended_by.types),
                suspending_severities=frozenset(kind.suspended_by.severities),
                basis=tuple(LegalBasis(b.zh, b.en) for b in kind.basis),
            )
        )
    return IncentivesCatalogue(
        source=source,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        example=spec.example,
        kinds=tuple(kinds),
    )
