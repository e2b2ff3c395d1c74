"""Good records and incentives (pure): a commendation counts for its period, a
later sanction in force suspends it, and it comes back after repair or display
expiry when the catalogue says so; the catalogue is checked at its edge."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph.errors import PolicyError
from graph.incentives import GoodRecordStatus, SanctionRecord, assess
from graph.model import EntityKind
from graph.policy import load_catalogue
from graph.policy.incentives import (
    default_incentives_path,
    load_incentives,
    parse_incentives,
)
from graph.propagation import EventKind, SanctionEvent
from tests.factories import make_commendation, make_sanction, resident_id

if TYPE_CHECKING:
    from pathlib import Path

PERSON = resident_id(7)
CATALOGUE = load_catalogue()
INCENTIVES = load_incentives()


def _sanction(
    sanction_id: str, sanction_type: str, decided_on: date, *events: SanctionEvent
) -> SanctionRecord:
    sanction = make_sanction(
        sanction_id=sanction_id,
        subject_kind=EntityKind.PERSON,
        subject_id=PERSON,
        type=sanction_type,
        decided_on=decided_on,
        violation_date=None,
    )
    return SanctionRecord(
        sanction, CATALOGUE.rule(sanction_type, decided_on), tuple(events)
    )


def _event(sanction_id: str, kind: EventKind, on: date, seq: int) -> SanctionEvent:
    return SanctionEvent(sanction_id, kind, on, "officer", "test", seq=seq)


def _status(
    kind: str,
    records: list[SanctionRecord],
    on: date,
    decided_on: date = date(2024, 1, 1),
) -> GoodRecordStatus:
    commendation = make_commendation(
        subject_id=PERSON, kind=kind, decided_on=decided_on
    )
    (found,) = assess([commendation], records, INCENTIVES, on)
    return found.status


def test_a_commendation_holds_for_the_kinds_period_or_its_own_validity() -> None:
    commendation = make_commendation(subject_id=PERSON)  # moral_model, 3y
    (held,) = assess([commendation], [], INCENTIVES, date(2026, 12, 31))
    assert held.status is GoodRecordStatus.IN_FORCE
    assert held.ends_on == date(2027, 1, 1)
    assert {f.name_zh for f in held.kind.facilitations} >= {"绿色通道", "优先办理"}  # type: ignore[union-attr]
    (ended,) = assess([commendation], [], INCENTIVES, date(2027, 1, 1))
    assert ended.status is GoodRecordStatus.EXPIRED
    shorter = replace(commendation, valid_until=date(2025, 1, 1))
    (early,) = assess([shorter], [], INCENTIVES, date(2025, 1, 1))
    assert (early.status, early.ends_on) == (GoodRecordStatus.EXPIRED, date(2025, 1, 1))
    assert assess([commendation], [], INCENTIVES, date(2023, 12, 31)) == []


def test_a_later_sanction_suspends_and_repair_brings_it_back() -> None:
    repaired = _event("D1", EventKind.REPAIR, date(2025, 3, 1), 1)
    debtor = _sanction("D1", "dishonest_judgment_debtor", date(2024, 6, 1), repaired)
    before = date(2024, 5, 31)
    assert _status("moral_model", [debtor], before) is GoodRecordStatus.IN_FORCE
    commendation = make_commendation(subject_id=PERSON)
    (suspended,) = assess([commendation], [debtor], INCENTIVES, date(2024, 7, 1))
    assert suspended.status is GoodRecordStatus.SUSPENDED
    assert [s.sanction_id for s in suspended.suspensions] == ["D1"]
    assert suspended.suspensions[0].name_zh == "失信被执行人名单"
    # repaired on 2025-03-01: the commendation counts again from that day
    back = date(2025, 3, 1)
    assert _status("moral_model", [debtor], back) is GoodRecordStatus.IN_FORCE


def test_display_expiry_also_brings_it_back() -> None:
    debtor = _sanction("D2", "dishonest_judgment_debtor", date(2024, 2, 1))
    shown_until = replace(debtor.sanction, display_until=date(2025, 2, 1))
    record = replace(debtor, sanction=shown_until)
    in_display = date(2025, 1, 31)
    assert _status("moral_model", [record], in_display) is GoodRecordStatus.SUSPENDED
    after = date(2025, 2, 1)
    assert _status("moral_model", [record], after) is GoodRecordStatus.IN_FORCE


def test_an_earlier_or_unlisted_sanction_does_not_suspend() -> None:
    earlier = _sanction("E1", "dishonest_judgment_debtor", date(2023, 6, 1))
    assert _status("moral_model", [earlier], date(2024, 2, 1)) is (
        GoodRecordStatus.IN_FORCE
    )
    abnormal = _sanction("A1", "abnormal_operations", date(2024, 6, 1))
    assert _status("moral_model", [abnormal], date(2024, 7, 1)) is (
        GoodRecordStatus.IN_FORCE
    )


def test_severity_follows_the_rule_version_of_the_sanctions_decision_date() -> None:
    # outstanding_volunteer is suspended by "general" records: an administrative
    # penalty is graded general only under the 2026 rules
    old = _sanction("P1", "administrative_penalty", date(2025, 6, 1))
    new = _sanction("P2", "administrative_penalty", date(2026, 5, 1))
    on, given = date(2026, 6, 1), date(2025, 1, 1)  # held 2 years
    assert _status("outstanding_volunteer", [old], on, given) is (
        GoodRecordStatus.IN_FORCE
    )
    assert _status("outstanding_volunteer", [new], on, given) is (
        GoodRecordStatus.SUSPENDED
    )


def test_a_kind_that_does_not_return_is_withdrawn_unless_the_sanction_is_revoked() -> (
    None
):
    repaired = _event("T1", EventKind.REPAIR, date(2024, 9, 1), 1)
    tax = _sanction("T1", "major_tax_violation", date(2024, 6, 1), repaired)
    late = date(2024, 10, 1)
    assert _status("trustworthy_subject", [tax], late) is GoodRecordStatus.WITHDRAWN
    objected = _event("T1", EventKind.OBJECT, date(2024, 7, 1), 1)
    pending = _sanction("T1", "major_tax_violation", date(2024, 6, 1), objected)
    assert _status("trustworthy_subject", [pending], date(2024, 8, 1)) is (
        GoodRecordStatus.SUSPENDED
    )
    upheld = _event("T1", EventKind.UPHOLD, date(2024, 8, 1), 2)
    revoked = _sanction("T1", "major_tax_violation", date(2024, 6, 1), objected, upheld)
    assert _status("trustworthy_subject", [revoked], late) is (
        GoodRecordStatus.IN_FORCE
    )


def test_a_kind_the_catalogue_no_longer_lists_is_said_so() -> None:
    stray = make_commendation(subject_id=PERSON, kind="gone")
    (found,) = assess([stray], [], INCENTIVES, date(2024, 6, 1))
    assert (found.status, found.in_force) == (GoodRecordStatus.UNKNOWN_KIND, False)


def test_the_shipped_catalogue_is_an_example_citing_its_basis() -> None:
    assert INCENTIVES.example
    types = {rule.sanction_type for rule in CATALOGUE.rules}
    for kind in INCENTIVES.kinds:
        assert kind.basis, kind.key
        assert kind.suspending_types <= types, kind.key
    text = default_incentives_path().read_text(encoding="utf-8")
    # the shipped suspending types are all the measures catalogue's
    parse_incentives(text, "incentives.toml", frozenset(types))
    names = INCENTIVES.names()
    assert names["诚信道德模范"] == "moral_model"
    assert names["优秀志愿者"] == "outstanding_volunteer"
    assert names["守信激励对象"] == "trustworthy_subject"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('facilitations = ["green_channel",', 'facilitations = ["no_such",'),
            r"incentives.toml:\d+: kinds.moral_model.facilitations: unknown "
            "facilitation 'no_such'",
        ),
        (
            ('lasts = "3y"', 'lasts = "three years"'),
            r"incentives.toml:\d+: kinds.moral_model.lasts: period",
        ),
        (
            ('aliases = ["道德模范"', 'aliases = ["优秀志愿者"'),
            r"incentives.toml:\d+: kinds.outstanding_volunteer: the name '优秀志愿者' "
            "also names moral_model",
        ),
        (
            ("types = [\"serious_illegal_dishonest\", \"dishonest_judgment_debtor\", "
             "\"major_tax_violation\"], severities = [\"serious\"]",
             "types = [\"no_such_type\"], severities = [\"serious\"]"),
            r"incentives.toml:\d+: kinds.moral_model.suspended_by: unknown sanction "
            "type 'no_such_type'",
        ),
        (("returns = true\n", ""), r"incentives.toml:\d+: kinds.moral_model.returns"),
    ],
)  # fmt: skip
def test_a_broken_catalogue_is_refused_with_file_and_line(
    change: tuple[str, str], message: str, tmp_path: Path
) -> None:
    text = default_incentives_path().read_text(encoding="utf-8")
    old, new = change
    assert old in text
    broken = tmp_path / "incentives.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    types = frozenset(rule.sanction_type for rule in CATALOGUE.rules)
    with pytest.raises(PolicyError, match=message):
        parse_incentives(broken.read_text(encoding="utf-8"), str(broken), types)
