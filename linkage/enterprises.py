"""Enterprise identity: one enterprise per credit code, legacy identifiers linked.

Enterprises are keyed by the normalised unified social credit code: two records with
the same normalised code are one enterprise. Rows of older registers name an
enterprise by a legacy identifier instead:

- the 9-character organisation code (组织机构代码, GB 11714), which a credit code
  embeds in characters 9-17, or which an enterprise record states;
- the 15-digit business registration number (注册号, GS15-2006), which an
  enterprise record states.

An enterprise *claims* the organisation code embedded in its credit code (when its
GB 11714 check holds) and the organisation code and registration number it states.
A legacy identifier names the one enterprise that claims it. One claimed by two
enterprises is a conflict: it names neither, and says so (never a guess: a wrong
link would put one enterprise's sanctions on another's responsible persons).
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from linkage.ids import (
    CreditCode,
    InvalidCreditCode,
    normalize_org_code,
    normalize_registration_no,
    parse_credit_code,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from graph.model import Enterprise

__all__ = [
    "EnterpriseIndex",
    "LegacyId",
    "LegacyKind",
    "LegacyMatch",
    "legacy_claims_of",
    "parse_enterprise_ref",
]


class LegacyKind(StrEnum):
    """The two legacy identifiers of an enterprise."""

    ORG_CODE = "org_code"  # 组织机构代码, GB 11714, 9 characters
    REGISTRATION_NO = "registration_no"  # 工商注册号, GS15-2006, 15 digits

    @property
    def label(self) -> str:
        """The identifier's name in messages."""
        return _LABELS[self]


_LABELS: Final = {
    LegacyKind.ORG_CODE: "organisation code",
    LegacyKind.REGISTRATION_NO: "registration number",
}


_CREDIT_CODE_LENGTH: Final = 18
_KIND_BY_LENGTH: Final = {9: LegacyKind.ORG_CODE, 15: LegacyKind.REGISTRATION_NO}


@dataclass(frozen=True, slots=True)
class LegacyId:
    """A legacy enterprise identifier in canonical form (``D2143569X``)."""

    kind: LegacyKind
    value: str


def parse_enterprise_ref(raw: str) -> CreditCode | LegacyId:
    """What a cell naming an enterprise holds: a credit code or a legacy identifier.

    Any accepted spelling of each (spaces, hyphens, full width, lower case). 18
    characters are a credit code, possibly non-conforming (see
    :func:`linkage.ids.parse_credit_code`); 9 an organisation code; 15 a
    registration number. Raises :class:`~linkage.ids.InvalidCreditCode` with the
    ``reason`` of the rule broken (``length`` when the length fits none of them)
    and a message naming the identifier it was taken for.
    """
    # the length after the clean-up every normaliser does tells which one applies
    length = len("".join(unicodedata.normalize("NFKC", raw).split()).replace("-", ""))
    kind = _KIND_BY_LENGTH.get(length)
    try:
        if kind is None and length == _CREDIT_CODE_LENGTH:
            return parse_credit_code(raw)
        if kind is LegacyKind.ORG_CODE:
            return LegacyId(kind, normalize_org_code(raw))
        if kind is LegacyKind.REGISTRATION_NO:
            return LegacyId(kind, normalize_registration_no(raw))
    except InvalidCreditCode as exc:
        label = kind.label if kind is not None else "credit code"
        raise InvalidCreditCode(
            exc.reason, f"invalid {label} ({exc.reason}): {raw!r}"
        ) from exc
    raise InvalidCreditCode(
        "length",
        "not a credit code (18 characters), organisation code (9) or registration "
        f"number (15): {raw!r}",
    )


def legacy_claims_of(enterprise: Enterprise) -> frozenset[str]:
    """The legacy identifiers ``enterprise`` claims: the organisation code embedded
    in its credit code (when its check holds), and the organisation code and
    registration number it states (as stored; loaders store canonical values)."""
    claims = {enterprise.org_code, enterprise.registration_no}
    with contextlib.suppress(InvalidCreditCode):
        claims.add(parse_credit_code(enterprise.credit_code).org_code)
    return frozenset(c for c in claims if c)


@dataclass(frozen=True, slots=True)
class LegacyMatch:
    """What a legacy identifier names, given every enterprise that claims it.

    ``claimants`` are their credit codes, sorted. Exactly one: the identifier names
    that enterprise. None: it names no known enterprise. Two or more: a conflict,
    it names none of them.
    """

    identifier: LegacyId
    claimants: tuple[str, ...]

    @property
    def credit_code(self) -> str | None:
        """The credit code of the one enterprise named, or None."""
        return self.claimants[0] if len(self.claimants) == 1 else None

    @property
    def ambiguous(self) -> bool:
        """Whether two or more enterprises claim the identifier."""
        return len(self.claimants) > 1

    def describe(self) -> str:
        """Why the identifier names no enterprise (or which one it names)."""
        label = f"{self.identifier.kind.label} {self.identifier.value}"
        if not self.claimants:
            return f"{label} names no known enterprise"
        if self.ambiguous:
            return (
                f"{label} is claimed by {len(self.claimants)} enterprises "
                f"({', '.join(self.claimants)}): it names none of them"
            )
        return f"{label} names {self.claimants[0]}"


@dataclass(frozen=True, slots=True)
class EnterpriseIndex:
    """Enterprises by every identifier they are known by, for linking legacy codes.

    Same normalised credit code, same enterprise. A 9-character organisation code
    (GB 11714) links to the credit code that embeds it or states it; a 15-digit
    registration number to the enterprise that states it. A legacy identifier
    claimed by two credit codes links to neither: it is in ``conflicts``.
    """

    codes: frozenset[str]
    legacy: Mapping[str, str]
    conflicts: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, enterprises: Iterable[Enterprise]) -> EnterpriseIndex:
        """Index ``enterprises`` (credit codes as stored, i.e. normalised)."""
        codes: set[str] = set()
        claims: dict[str, set[str]] = {}
        for e in enterprises:
            codes.add(e.credit_code)
            for value in legacy_claims_of(e):
                claims.setdefault(value, set()).add(e.credit_code)
        return cls(
            codes=frozenset(codes),
            legacy={k: next(iter(v)) for k, v in claims.items() if len(v) == 1},
            conflicts={k: tuple(sorted(v)) for k, v in claims.items() if len(v) > 1},
        )

    def match(self, identifier: LegacyId) -> LegacyMatch:
        """What ``identifier`` names among the indexed enterprises."""
        value = identifier.value
        if value in self.conflicts:
            return LegacyMatch(identifier, self.conflicts[value])
        code = self.legacy.get(value)
        return LegacyMatch(identifier, (code,) if code is not None else ())

    def credit_code_of(self, identifier: str) -> str | None:
        """The credit code of the enterprise ``identifier`` names, in any accepted
        spelling of a credit code, organisation code or registration number; None
        when no known enterprise (or more than one) has it."""
        try:
            ref = parse_enterprise_ref(identifier)
        except InvalidCreditCode:
            return None
        if isinstance(ref, CreditCode):
            return ref.value if ref.value in self.codes else None
        return self.match(ref).credit_code
