"""How a source system spoils a person's ID number and name.

:class:`IdSpoiler` draws, for one record, which ID corruptions happen (each with
its own rate) and applies them in the order a number actually degrades: the legacy
15-digit form is what was registered, a typo or swap happens when it is typed, a
lowercase x, spaces and full-width characters come from the input method.
ID-preserving corruptions keep ``normalize_resident_id`` equal to the true number;
a typo or a swap of two different digits never does. An 18-character number then
fails its MOD 11-2 check (which catches every single substitution and adjacent
transposition); a 15-digit one has no check digit and may, as in real registers,
read as another well-formed number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from linkage.ids import downgrade_to_15
from loaders.generator import names
from loaders.generator.config import Corruption

if TYPE_CHECKING:
    import random

    from loaders.generator.config import CorruptionRates, SourceProfile

_FULL_WIDTH: Final = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
_DIGITS: Final = "0123456789"


def to_full_width(number: str) -> str:
    """``number`` with its ASCII digits and X written full-width."""
    return number.translate(_FULL_WIDTH)


def add_spaces(rng: random.Random, number: str) -> str:
    """``number`` with spaces as people type them: grouped, padded or stray."""
    style = int(rng.random() * 3)
    if style == 0:  # grouped as printed on the card: region, birth date, rest
        birth_end = 14 if len(number) == 18 else 12
        return f"{number[:6]} {number[6:birth_end]} {number[birth_end:]}"
    if style == 1:  # padded, as fixed-width database columns leave it
        return f" {number}  "
    i = 1 + int(rng.random() * (len(number) - 1))
    return f"{number[:i]} {number[i:]}"


def mistype_digit(rng: random.Random, number: str) -> str:
    """``number`` with one digit (not the check character) replaced by another."""
    last = 17 if len(number) == 18 else len(number)
    i = int(rng.random() * last)
    wrong = _DIGITS[(int(number[i]) + 1 + int(rng.random() * 9)) % 10]
    return number[:i] + wrong + number[i + 1 :]


def swap_digits(rng: random.Random, number: str) -> str | None:
    """``number`` with two adjacent different digits swapped, or None if all equal."""
    last = 17 if len(number) == 18 else len(number)
    pairs = [i for i in range(last - 1) if number[i] != number[i + 1]]
    if not pairs:
        return None
    i = pairs[int(rng.random() * len(pairs))]
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


_ID_ORDER: Final = (
    Corruption.MISSING_ID,
    Corruption.LEGACY_15,
    Corruption.DIGIT_TYPO,
    Corruption.DIGIT_SWAP,
    Corruption.LOWERCASE_X,
    Corruption.SPACES,
    Corruption.FULL_WIDTH,
)
_LOSES_ID: Final = frozenset(
    {Corruption.MISSING_ID, Corruption.DIGIT_TYPO, Corruption.DIGIT_SWAP}
)


class IdSpoiler:
    """Spoils ID numbers as one source does, each corruption with its own rate.

    The corruptions are independent events. Most records are clean, so one draw
    decides "clean" (probability: the product of the misses); otherwise the events
    are drawn one by one conditioned on at least one happening, which gives the
    same distribution as one draw per event at a fraction of the cost.
    """

    def __init__(
        self, rates: CorruptionRates, source: SourceProfile, scale: float = 1.0
    ) -> None:
        noise = source.id_noise * scale
        base = {
            Corruption.MISSING_ID: rates.missing_id * noise,
            Corruption.LEGACY_15: rates.legacy_15 * source.legacy * scale,
            Corruption.DIGIT_TYPO: rates.digit_typo * noise,
            Corruption.DIGIT_SWAP: rates.digit_swap * noise,
            Corruption.LOWERCASE_X: rates.lowercase_x * noise,
            Corruption.SPACES: rates.spaces * noise,
            Corruption.FULL_WIDTH: rates.full_width * noise,
        }
        self._plans: dict[
            tuple[bool, bool, bool], tuple[tuple[float, ...], tuple[float, ...]]
        ] = {}
        for legacy_ok in (False, True):
            for ends_x in (False, True):
                for keep_id in (False, True):
                    probs = tuple(
                        0.0
                        if (c is Corruption.LEGACY_15 and not legacy_ok)
                        or (c is Corruption.LOWERCASE_X and not ends_x)
                        or (keep_id and c in _LOSES_ID)
                        else min(1.0, base[c])
                        for c in _ID_ORDER
                    )
                    # none[i]: chance that no event among i.. happens
                    none = [1.0] * (len(probs) + 1)
                    for i in range(len(probs) - 1, -1, -1):
                        none[i] = none[i + 1] * (1.0 - probs[i])
                    self._plans[(legacy_ok, ends_x, keep_id)] = (probs, tuple(none))

    def spoil(
        self,
        rng: random.Random,
        person_id: str,
        *,
        legacy_ok: bool,
        keep_id: bool = False,
    ) -> tuple[str, list[Corruption]]:
        """The number as one record holds it, and the corruptions applied.

        ``legacy_ok``: the 15-digit form exists (mainland, born 1900-1999). With
        ``keep_id`` nothing that loses the number (missing, typo, swap) happens.
        """
        probs, none = self._plans[(legacy_ok, person_id[-1] == "X", keep_id)]
        random_ = rng.random
        if random_() < none[0]:
            return person_id, []
        events: set[Corruption] = set()  # membership only: never iterated
        forced = True  # no event yet, and at least one must happen
        for i, p in enumerate(probs):
            if not p:
                continue
            chance = (p / (1.0 - none[i]) if none[i] < 1.0 else 1.0) if forced else p
            if random_() < chance:
                events.add(_ID_ORDER[i])
                forced = False
        if Corruption.MISSING_ID in events:
            return "", [Corruption.MISSING_ID]
        return _apply(rng, person_id, events)


def _apply(
    rng: random.Random, person_id: str, events: set[Corruption]
) -> tuple[str, list[Corruption]]:
    """Apply ``events`` in the order a number degrades (see the module docstring)."""
    applied: list[Corruption] = []
    number = person_id
    if Corruption.LEGACY_15 in events:
        number = downgrade_to_15(person_id)
        applied.append(Corruption.LEGACY_15)
    if Corruption.DIGIT_TYPO in events:
        number = mistype_digit(rng, number)
        applied.append(Corruption.DIGIT_TYPO)
    elif Corruption.DIGIT_SWAP in events:
        swapped = swap_digits(rng, number)
        if swapped is not None:
            number = swapped
            applied.append(Corruption.DIGIT_SWAP)
    if Corruption.LOWERCASE_X in events and number[-1] == "X":
        number = number[:-1] + "x"
        applied.append(Corruption.LOWERCASE_X)
    if Corruption.SPACES in events:
        number = add_spaces(rng, number)
        applied.append(Corruption.SPACES)
    if Corruption.FULL_WIDTH in events:
        number = to_full_width(number)
        applied.append(Corruption.FULL_WIDTH)
    return number, applied


class NameSpoiler:
    """Spoils names as one source does: at most one corruption per name.

    ``noise`` multiplies all name rates; for people from Hong Kong, Macau and
    Taiwan, who write traditional characters, the traditional rate is further
    multiplied by ``traditional_factor``.
    """

    def __init__(
        self, rates: CorruptionRates, noise: float, traditional_factor: float = 5.0
    ) -> None:
        self._thresholds = {
            home: (
                t := rates.traditional * noise * (traditional_factor if home else 1.0),
                h := t + rates.homophone * noise,
                h + rates.name_typo * noise,
            )
            for home in (False, True)
        }

    def spoil(
        self, rng: random.Random, name: str, *, traditional_home: bool = False
    ) -> tuple[str, tuple[Corruption, ...]]:
        """The name as one record holds it, and the corruption applied (if any)."""
        traditional, homophone, typo = self._thresholds[traditional_home]
        u = rng.random()
        if u >= typo:
            return name, ()
        if u < traditional:
            spoiled = names.to_traditional(name)
            kind = Corruption.TRADITIONAL
        elif u < homophone:
            spoiled = names.homophone_of(rng, name)
            kind = Corruption.HOMOPHONE
        else:
            spoiled = names.mistype(rng, name)
            kind = Corruption.NAME_TYPO
        if spoiled is None:
            return name, ()
        return spoiled, (kind,)
