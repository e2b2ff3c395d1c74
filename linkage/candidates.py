"""Candidates: who a record without a usable ID number may be, with scores and reasons.

Candidates only ever *propose*: a person merges on equal normalised ID numbers or on
a recorded judgement, never on a score. Three rules propose:

- ``id_typo``: the record's number fails its check character, and one substitution
  or one adjacent transposition turns it into the number of a known person whose
  name is compatible (:func:`~linkage.names.names_compatible`). MOD 11-2 catches
  every such typo, so the neighbours of the bad number are enumerated (17 x 9
  substitutions, 10 check characters, 17 transpositions) and looked up in a dict of
  known numbers: a constant number of lookups per record.
- ``legacy_typo``: a 15-digit number has no check character, so a typo in it can
  validate as somebody else's number. A person known through one such 15-digit
  record only, whose number is one typo from another known person with a compatible
  name, is proposed as that person.
- ``fuzzy``: a record without a usable number is compared with the persons and
  unresolved records of its block: same birth date when the record states one,
  else the same name sound (toneless pinyin). Every target scoring at least
  :data:`FUZZY_FLOOR` is kept.

Scores add up evidence (see :data:`WEIGHTS`) and are clamped to 0.99, so a ranked
list reads as "how much speaks for this target".
"""

from __future__ import annotations

import dataclasses
import heapq
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from graph.model import Candidate, CandidateRule
from linkage.names import COMPATIBLE_THRESHOLD, name_similarity, pinyin_key

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from graph.model import Sex
    from linkage.records import LinkRecord

__all__ = [
    "FUZZY_FLOOR",
    "MAX_CANDIDATES",
    "WEIGHTS",
    "Target",
    "TargetIndex",
    "rank_candidates",
    "score_candidate",
    "sound_key",
]

FUZZY_FLOOR: Final = 0.5
"""Lowest score at which a fuzzy target becomes a candidate."""

MAX_CANDIDATES: Final = 5
"""Candidates kept per record, best first."""

WEIGHTS: Final[dict[str, float]] = {
    "name": 0.5,  # times the name similarity (0..1)
    "birth_date": 0.3,  # stated birth date equals the target's
    "sex": 0.05,  # stated sex equals the target's
    "enterprise": 0.1,  # a role in an enterprise the target also holds a role in
    "address": 0.05,  # equal normalised address
    "id_typo": 0.45,  # number one typo from the target's, check character fails
    "legacy_typo": 0.3,  # lone 15-digit number one typo from the target's
    "number_typo": 0.3,  # valid number one typo from the target's (both valid)
}
"""What each piece of evidence adds to a candidate's score."""

_MAX_SCORE: Final = 0.99
_RULE_ORDER: Final = {
    CandidateRule.ID_TYPO: 0,
    CandidateRule.LEGACY_TYPO: 1,
    CandidateRule.NUMBER_TYPO: 2,
    CandidateRule.FUZZY: 3,
}


@lru_cache(maxsize=1 << 14)
def _char_sound(char: str) -> str:
    return pinyin_key(char) if char.isalpha() else char


@lru_cache(maxsize=1 << 20)
def sound_key(name_key: str) -> str:
    """Toneless pinyin of a normalised name, one reading per character, no spaces.

    A cheap blocking key: each character's most common reading is looked up once,
    so homophones and traditional forms (after normalisation) share a key. Latin
    names key on their letters. "" for an empty name.
    """
    return "".join(_char_sound(char) for char in name_key if char not in " ·")


@dataclass(slots=True)
class Target:
    """What a candidate may point at: a person, or a record without a usable number.

    ``birth_date`` and ``sex`` are those the target's number encodes, or those its
    records state when it has no valid number.
    """

    key: str
    names: dict[str, str] = field(default_factory=dict)  # name key -> name as written
    birth_date: date | None = None
    sex: Sex | None = None
    enterprises: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()

    def tokens(self) -> tuple[tuple[str, object], ...]:
        """The block tokens this target is filed under."""
        if len(self.names) == 1:
            for name in self.names:
                sound = sound_key(name)
            if not sound:
                return (("b", self.birth_date),) if self.birth_date is not None else ()
            if self.birth_date is not None:
                return (("b", self.birth_date), ("s", sound))
            return (("s", sound), ("nb", sound))
        sounds = sorted({sound_key(n) for n in self.names} - {""})
        if self.birth_date is not None:
            return (("b", self.birth_date), *[("s", s) for s in sounds])
        return (*[("s", s) for s in sounds], *[("nb", s) for s in sounds])


def query_tokens(record: LinkRecord) -> set[tuple[str, object]]:
    """The block tokens under which targets for ``record`` are looked up."""
    sound = sound_key(record.name_key)
    if record.birth_date is not None:
        found: set[tuple[str, object]] = {("b", record.birth_date)}
        if sound:
            found.add(("nb", sound))
        return found
    return {("s", sound)} if sound else set()


class TargetIndex:
    """Targets filed under block tokens; the blocking half of candidate search."""

    def __init__(self) -> None:
        self.targets: dict[str, Target] = {}
        self._tokens: dict[str, tuple[tuple[str, object], ...]] = {}
        # a block of one target holds its key alone; a set once a second joins
        # (most name sounds are one person's: a set each would double the index)
        self._blocks: dict[tuple[str, object], str | set[str]] = {}

    def put(
        self, target: Target, changed: set[tuple[str, object]] | None = None
    ) -> None:
        """File ``target``, replacing an earlier one of its key; the tokens whose
        blocks changed are added to ``changed``."""
        self.remove(target.key, changed)
        key = target.key
        tokens = target.tokens()
        self.targets[key] = target
        self._tokens[key] = tokens
        blocks = self._blocks
        for token in tokens:
            block = blocks.get(token)
            if block is None:
                blocks[token] = key
            elif isinstance(block, str):
                if block != key:
                    blocks[token] = {block, key}
            else:
                block.add(key)
        if changed is not None:
            changed.update(tokens)

    def remove(self, key: str, changed: set[tuple[str, object]] | None = None) -> None:
        """Drop the target ``key``; the tokens whose blocks changed are added to
        ``changed``."""
        if self.targets.pop(key, None) is None:
            return
        tokens = self._tokens.pop(key)
        for token in tokens:
            block = self._blocks.get(token)
            if block is None:
                continue
            if isinstance(block, str):
                if block == key:
                    del self._blocks[token]
                continue
            block.discard(key)
            if len(block) == 1:
                (self._blocks[token],) = block
        if changed is not None:
            changed.update(tokens)

    def block(self, record: LinkRecord) -> set[str]:
        """Keys of the targets in ``record``'s blocks (unfiltered)."""
        found: set[str] = set()
        for token in query_tokens(record):
            block = self._blocks.get(token)
            if isinstance(block, str):
                found.add(block)
            elif block is not None:
                found.update(block)
        return found


def _best_name(record: LinkRecord, target: Target) -> tuple[float, str]:
    best, written = 0.0, ""
    for key, name in target.names.items():
        if key == record.name_key:
            return 1.0, name
        score = name_similarity(record.name_key, key)
        if score > best:
            best, written = score, name
    return best, written


def _shares_a_sign(record: LinkRecord, target: Target) -> bool:
    """Cheap pre-filter of same-birth-date blocks: a shared character or sound."""
    chars = set(record.name_key) - {" ", "·"}
    sound = sound_key(record.name_key)
    return any(
        not chars.isdisjoint(key) or sound_key(key) == sound for key in target.names
    )


def score_candidate(
    record: LinkRecord,
    target: Target,
    rule: CandidateRule,
    *,
    id_evidence: str = "",
) -> Candidate | None:
    """Score ``target`` as the identity of ``record`` under ``rule``; None if unfit.

    Fuzzy candidates need an equal or unknown birth date and sex and a score of at
    least :data:`FUZZY_FLOOR`. Typo candidates need a compatible name; a stated
    birth date or sex that differs from the target's lowers their score and is
    named in the reasons.
    """
    if not record.name_key or not target.names:
        return None
    similarity, written = _best_name(record, target)
    typo = rule is not CandidateRule.FUZZY
    if typo and similarity < COMPATIBLE_THRESHOLD:
        return None
    reasons: list[str] = []
    score = 0.0
    if typo:
        score += WEIGHTS[rule.value]
        reasons.append(id_evidence)
    score += WEIGHTS["name"] * similarity
    reasons.append(f"name {record.name} ~ {written}: {similarity:.2f}")
    if record.birth_date is not None and target.birth_date is not None:
        if record.birth_date == target.birth_date:
            score += WEIGHTS["birth_date"]
            reasons.append(f"birth date {record.birth_date.isoformat()} equal")
        elif typo:
            score -= WEIGHTS["birth_date"]
            reasons.append(
                f"birth date {record.birth_date.isoformat()} differs from "
                f"{target.birth_date.isoformat()}"
            )
        else:
            return None
    if record.sex is not None and target.sex is not None:
        if record.sex == target.sex:
            score += WEIGHTS["sex"]
            reasons.append(f"sex {record.sex.value} equal")
        elif typo:
            score -= WEIGHTS["sex"]
            reasons.append(f"sex {record.sex.value} differs")
        else:
            return None
    if record.enterprise and record.enterprise in target.enterprises:
        score += WEIGHTS["enterprise"]
        reasons.append(f"both hold roles in {record.enterprise}")
    if record.address and record.address in target.addresses:
        score += WEIGHTS["address"]
        reasons.append("address equal")
    score = round(min(score, _MAX_SCORE), 4)
    if not typo and score < FUZZY_FLOOR:
        return None
    return Candidate(record.key, target.key, score, rule, tuple(reasons))


def _fuzzy_score(record: LinkRecord, target: Target, similarity: float) -> float | None:
    """The fuzzy score of ``score_candidate`` without its reasons (the hot path)."""
    score = WEIGHTS["name"] * similarity
    if record.birth_date is not None and target.birth_date is not None:
        if record.birth_date != target.birth_date:
            return None
        score += WEIGHTS["birth_date"]
    if record.sex is not None and target.sex is not None:
        if record.sex != target.sex:
            return None
        score += WEIGHTS["sex"]
    if record.enterprise and record.enterprise in target.enterprises:
        score += WEIGHTS["enterprise"]
    if record.address and record.address in target.addresses:
        score += WEIGHTS["address"]
    score = round(min(score, _MAX_SCORE), 4)
    return score if score >= FUZZY_FLOOR else None


def fuzzy_candidates(
    record: LinkRecord,
    index: TargetIndex,
    exclude: frozenset[str] = frozenset(),
    limit: int = MAX_CANDIDATES,
) -> list[Candidate]:
    """The ``limit`` best fuzzy candidates of ``record`` from its blocks.

    Targets in ``exclude`` and the record itself are left out. Ties go to the
    smaller target key, as in :func:`rank_candidates`.
    """
    if not record.name_key:
        return []
    similarities: dict[str, float] = {}
    scored: list[tuple[float, str]] = []
    for key in index.block(record):
        if key == record.key or key in exclude:
            continue
        target = index.targets[key]
        if not target.names or (
            record.birth_date is not None
            and target.birth_date is not None
            and not _shares_a_sign(record, target)
        ):
            continue
        best = 0.0
        for name in target.names:
            similarity = similarities.get(name)
            if similarity is None:
                similarity = (
                    1.0
                    if name == record.name_key
                    else name_similarity(record.name_key, name)
                )
                similarities[name] = similarity
            best = max(best, similarity)
        score = _fuzzy_score(record, target, best)
        if score is not None:
            scored.append((-score, key))
    found = []
    for _, key in heapq.nsmallest(limit, scored):
        target = index.targets[key]
        candidate = score_candidate(record, target, CandidateRule.FUZZY)
        assert candidate is not None  # same arithmetic as _fuzzy_score
        block = (
            f"birth date {record.birth_date.isoformat()}"
            if record.birth_date and target.birth_date
            else f"name sound {sound_key(record.name_key)}"
        )
        found.append(
            dataclasses.replace(
                candidate, reasons=(f"blocked on {block}", *candidate.reasons)
            )
        )
    return found


def rank_candidates(
    candidates: Iterable[Candidate], limit: int = MAX_CANDIDATES
) -> tuple[Candidate, ...]:
    """The best candidate per target, ranked by score (then rule, then target).

    Ranks start at 1; at most ``limit`` are kept.
    """
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        held = best.get(candidate.target)
        if held is None or (candidate.score, -_RULE_ORDER[candidate.rule]) > (
            held.score,
            -_RULE_ORDER[held.rule],
        ):
            best[candidate.target] = candidate
    ordered = sorted(
        best.values(), key=lambda c: (-c.score, _RULE_ORDER[c.rule], c.target)
    )[:limit]
    return tuple(
        Candidate(c.record_key, c.target, c.score, c.rule, c.reasons, rank)
        for rank, c in enumerate(ordered, start=1)
    )
