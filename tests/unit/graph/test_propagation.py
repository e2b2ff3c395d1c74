"""Pure propagation: time rules, derived restrictions, lifecycle, appointment checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from graph.errors import EntityNotFoundError, LifecycleError, PolicyError
from graph.model import EntityKind, Role, RoleType, Sanction, SanctionStatus
from graph.policy import (
    LegalBasis,
    Measure,
    MeasureRule,
    Period,
    SanctionRule,
    TimeRule,
    load_catalogue,
)
from graph.propagation import (
    EventKind,
    Restriction,
    SanctionEvent,
    apply_event,
    check_appointment,
    derive_restrictions,
    display_end,
    earliest_repair,
    is_displayed_on,
    liability_window,
    needs_rederive,
    propagate_sanctions,
    restrictions_in_force,
    role_meets_time_rule,
    sanction_state_on,
)
from tests.factories import credit_code, make_role, make_sanction, resident_id

LR = RoleType.LEGAL_REPRESENTATIVE
DIRECTOR = RoleType.DIRECTOR
SUPERVISOR = RoleType.SUPERVISOR
MANAGER = RoleType.SENIOR_MANAGER
SHAREHOLDER = RoleType.SHAREHOLDER

ACME = credit_code(1)
OTHER = credit_code(2)
ALICE = resident_id(1)
BOB = resident_id(2)
CATALOGUE = load_catalogue()


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _opt(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _rule(time_rule: TimeRule, years: int | None = None) -> SanctionRule:
    """A one-measure rule written out here, independent of the shipped catalogue."""
    bar = Measure("bar", "禁", "bar", (LR,))
    return SanctionRule(
        sanction_type="serious_illegal_dishonest",
        name_zh="名单",
        name_en="list",
        time_rule=time_rule,
        years=years,
        display=Period(years=3),
        min_repair=Period(years=1),
        basis=(LegalBasis("依据", "basis"),),
        role_measures=(MeasureRule(bar, (LR,), Period(years=3)),),
    )


def _role(since: str | None, until: str | None, **overrides: object) -> Role:
    role = make_role(role=LR, since=_opt(since), until=_opt(until))
    return replace(role, **overrides)  # type: ignore[arg-type]


def _sanction(**overrides: object) -> Sanction:
    return replace(make_sanction(), **overrides)  # type: ignore[arg-type]


def _event(kind: EventKind, on: str, **overrides: object) -> SanctionEvent:
    event = SanctionEvent("S1", kind, _d(on), by="officer 7", reason="test")
    return replace(event, **overrides)  # type: ignore[arg-type]


# --- time rules -------------------------------------------------------------------

# The default sanction: violation 2023-01-10, decision 2023-06-01.
_AT_VIOLATION = [
    # (since, until, liable)
    ("2020-01-01", "2023-01-10", False),  # ends the day of the violation: half-open
    ("2020-01-01", "2023-01-11", True),  # last day is the violation day
    ("2023-01-10", None, True),  # starts the day of the violation
    ("2023-01-11", None, False),  # starts the day after
    ("2023-01-10", "2023-01-11", True),  # a one-day role on that day
    (None, None, True),  # unknown start, still held
    (None, "2023-01-10", False),
    (None, "2023-02-01", True),
    ("2023-01-10", "2023-01-10", False),  # empty interval
    ("2023-03-01", "2022-03-01", False),  # inverted interval
    ("2023-02-01", "2023-07-01", False),  # held at the decision, not the violation
]


@pytest.mark.parametrize(("since", "until", "liable"), _AT_VIOLATION)
def test_at_violation_boundaries(
    since: str | None, until: str | None, liable: bool
) -> None:
    rule = _rule(TimeRule.AT_VIOLATION)
    assert role_meets_time_rule(_role(since, until), _sanction(), rule) is liable
    derived = derive_restrictions(_sanction(), [_role(since, until)], rule)
    assert len(derived) == int(liable)


@pytest.mark.parametrize(
    ("since", "until", "liable"),
    [
        ("2023-06-01", None, True),  # violation date unknown: the decision date counts
        ("2020-01-01", "2023-06-01", False),
        ("2020-01-01", "2023-06-02", True),
        ("2023-06-02", None, False),
        ("2023-01-10", "2023-02-01", False),  # would be liable on the violation date
    ],
)
def test_at_violation_without_violation_date_uses_decision(
    since: str | None, until: str | None, liable: bool
) -> None:
    sanction = _sanction(violation_date=None)
    rule = _rule(TimeRule.AT_VIOLATION)
    assert liability_window(sanction, rule) == (_d("2023-06-01"), _d("2023-06-01"))
    assert role_meets_time_rule(_role(since, until), sanction, rule) is liable


@pytest.mark.parametrize(
    ("since", "until", "liable"),
    [
        ("2023-06-01", None, True),
        ("2020-01-01", "2023-06-01", False),
        ("2020-01-01", "2023-06-02", True),
        ("2023-06-02", None, False),
        ("2023-01-01", "2023-02-01", False),  # held on the violation date only
    ],
)
def test_at_decision_boundaries(
    since: str | None, until: str | None, liable: bool
) -> None:
    rule = _rule(TimeRule.AT_DECISION)
    assert role_meets_time_rule(_role(since, until), _sanction(), rule) is liable


@pytest.mark.parametrize(
    ("decided", "years", "since", "until", "liable"),
    [
        # decision on a leap day: the window starts 2023-02-28 (clamped)
        ("2024-02-29", 1, "2020-01-01", "2023-02-28", False),
        ("2024-02-29", 1, "2020-01-01", "2023-03-01", True),  # held 2023-02-28
        ("2024-02-29", 1, "2024-02-29", None, True),  # starts on the decision day
        ("2024-02-29", 1, "2024-03-01", None, False),  # starts after the decision
        ("2024-02-29", 1, None, None, True),
        # a decision on Feb 28 reaches back to Feb 28, not Feb 29
        ("2025-02-28", 1, "2020-01-01", "2024-02-28", False),
        ("2025-02-28", 1, "2020-01-01", "2024-02-29", True),
        # N = 3
        ("2023-06-01", 3, "2015-01-01", "2020-06-01", False),
        ("2023-06-01", 3, "2015-01-01", "2020-06-02", True),
        ("2023-06-01", 3, "2020-06-01", "2020-06-02", True),
        # N = 0 is the decision day alone
        ("2023-06-01", 0, "2023-05-01", "2023-06-01", False),
        ("2023-06-01", 0, "2023-05-01", "2023-06-02", True),
        # an empty interval inside the window is still nothing
        ("2023-06-01", 3, "2021-01-01", "2021-01-01", False),
    ],
)
def test_within_years_before_decision_boundaries(
    decided: str, years: int, since: str | None, until: str | None, liable: bool
) -> None:
    sanction = _sanction(decided_on=_d(decided), violation_date=None)
    rule = _rule(TimeRule.WITHIN_YEARS_BEFORE_DECISION, years)
    assert role_meets_time_rule(_role(since, until), sanction, rule) is liable


@pytest.mark.parametrize(
    ("decided", "years", "first"),
    [
        ("2024-02-29", 1, "2023-02-28"),
        ("2024-02-29", 4, "2020-02-29"),
        ("2025-02-28", 1, "2024-02-28"),
        ("2023-06-01", 3, "2020-06-01"),
    ],
)
def test_window_start_clamps_leap_days(decided: str, years: int, first: str) -> None:
    sanction = _sanction(decided_on=_d(decided))
    rule = _rule(TimeRule.WITHIN_YEARS_BEFORE_DECISION, years)
    assert liability_window(sanction, rule) == (_d(first), _d(decided))


# --- derivation over the shipped catalogue -------------------------------------


@pytest.mark.parametrize(
    ("sanction_type", "role_type", "expected"),
    [
        ("serious_illegal_dishonest", LR, {"bar_legal_representative"}),
        ("serious_illegal_dishonest", DIRECTOR, set()),
        ("dishonest_judgment_debtor", LR, {"restrict_high_consumption"}),
        ("dishonest_judgment_debtor", MANAGER, {"restrict_high_consumption"}),
        ("dishonest_judgment_debtor", SUPERVISOR, set()),
        ("major_tax_violation", LR, {"disclose_identity", "restrict_exit"}),
        ("major_tax_violation", MANAGER, {"disclose_identity"}),
        ("license_revoked", LR, {"bar_director_supervisor_manager"}),
        ("license_revoked", DIRECTOR, set()),
        ("abnormal_operations", LR, set()),
        ("administrative_penalty", LR, {"credit_file_note"}),
        ("serious_illegal_dishonest", SHAREHOLDER, set()),
        ("dishonest_judgment_debtor", SHAREHOLDER, set()),
    ],
)
def test_enterprise_sanction_reaches_role_holders(
    sanction_type: str, role_type: RoleType, expected: set[str]
) -> None:
    # held over both the violation and the decision, so every time rule is met
    role = make_role(role=role_type, since=_d("2020-01-01"), until=None)
    sanction = _sanction(type=sanction_type)
    derived = derive_restrictions(sanction, [role], CATALOGUE.rule(sanction_type))
    assert {r.measure for r in derived} == expected
    assert all(r.person_id == ALICE for r in derived)
    assert all(r.chain.role is role_type for r in derived)


@pytest.mark.parametrize(
    ("sanction_type", "expected"),
    [
        (
            "dishonest_judgment_debtor",
            {
                "restrict_high_consumption",
                "bar_director_supervisor_manager",
                "bar_legal_representative",
            },
        ),
        ("major_tax_violation", {"disclose_identity"}),
        ("administrative_penalty", {"credit_file_note"}),
        ("serious_illegal_dishonest", set()),
        ("license_revoked", set()),
    ],
)
def test_person_sanction_yields_direct_restrictions(
    sanction_type: str, expected: set[str]
) -> None:
    sanction = _sanction(
        type=sanction_type, subject_kind=EntityKind.PERSON, subject_id=BOB
    )
    # the person's own roles do not matter for direct measures
    roles = [make_role(person_id=BOB, role=LR)]
    derived = derive_restrictions(sanction, roles, CATALOGUE.rule(sanction_type))
    assert {r.measure for r in derived} == expected
    for restriction in derived:
        assert restriction.person_id == BOB
        assert restriction.chain.role is None
        assert restriction.restriction_id.endswith("|direct")
        assert restriction.except_enterprise is None


def test_serious_listing_restriction_fields() -> None:
    role = make_role(role=LR, since=_d("2021-01-01"), source="reg", record_id="r9")
    (restriction,) = derive_restrictions(
        _sanction(), [role], CATALOGUE.rule("serious_illegal_dishonest")
    )
    assert restriction.restriction_id == (
        f"S1|{ALICE}|bar_legal_representative|{role.role_id}"
    )
    assert restriction.bars == (LR,)
    assert restriction.valid_from == _d("2023-06-01")
    assert restriction.valid_until == _d("2026-06-01")  # 3 years from the decision
    assert restriction.except_enterprise == ACME
    assert restriction.survives_repair is False
    assert restriction.example is False
    chain = restriction.chain
    assert (chain.sanction_id, chain.subject_kind, chain.subject_id) == (
        "S1",
        EntityKind.ENTERPRISE,
        ACME,
    )
    assert (chain.role, chain.role_since, chain.role_until) == (
        LR,
        _d("2021-01-01"),
        None,
    )
    assert (chain.role_id, chain.source, chain.record_id) == (role.role_id, "reg", "r9")
    assert (chain.decision_no, chain.authority) == (
        "成市监严〔2023〕1号",
        "成都市市场监督管理局",
    )
    assert "bar_legal_representative" in restriction.rule
    assert "at_violation" in restriction.rule


def test_explanations_name_dates_roles_and_basis() -> None:
    role = make_role(role=LR, since=_d("2021-01-01"))
    (restriction,) = derive_restrictions(
        _sanction(), [role], CATALOGUE.rule("serious_illegal_dishonest")
    )
    zh, en = restriction.explanation_zh, restriction.explanation_en
    for text in (zh, en):
        assert "2023-01-10" in text  # violation date
        assert "2023-06-01" in text  # decision and start
        assert "2026-06-01" in text  # end
        assert ACME in text
        assert ALICE not in text  # ID numbers stay out of free text
    assert "法定代表人" in zh
    assert "其他企业" in zh
    assert "violation date" in en
    assert "Interim Regulations on Enterprise Information Disclosure" in en

    undated = _sanction(violation_date=None)
    (fallback,) = derive_restrictions(
        undated, [role], CATALOGUE.rule("serious_illegal_dishonest")
    )
    assert "违法日期不详" in fallback.explanation_zh
    assert "violation date is unknown" in fallback.explanation_en


def test_example_entries_say_so() -> None:
    role = make_role(role=MANAGER, since=_d("2020-01-01"))
    sanction = _sanction(type="dishonest_judgment_debtor")
    (restriction,) = derive_restrictions(
        sanction, [role], CATALOGUE.rule("dishonest_judgment_debtor")
    )
    assert restriction.example is True
    assert "示例" in restriction.explanation_zh
    assert "example" in restriction.explanation_en


@pytest.mark.parametrize(
    ("decided", "display_until", "expected_until"),
    [
        ("2023-06-01", None, "2025-06-01"),  # the 2-year default
        ("2023-06-01", "2026-01-01", "2026-01-01"),  # the court's own term
        ("2024-02-29", None, "2026-02-28"),  # leap day clamps
    ],
)
def test_listing_measures_last_as_long_as_display(
    decided: str, display_until: str | None, expected_until: str
) -> None:
    sanction = _sanction(
        type="dishonest_judgment_debtor",
        decided_on=_d(decided),
        display_until=_opt(display_until),
    )
    rule = CATALOGUE.rule("dishonest_judgment_debtor")
    role = make_role(role=LR, since=None)
    (restriction,) = derive_restrictions(sanction, [role], rule)
    assert restriction.valid_until == _d(expected_until) == display_end(sanction, rule)


def test_fixed_measures_ignore_display_until() -> None:
    sanction = _sanction(decided_on=_d("2024-02-29"), display_until=_d("2025-01-01"))
    (restriction,) = derive_restrictions(
        sanction, [make_role(role=LR, since=None)], CATALOGUE.rule(sanction.type)
    )
    assert restriction.valid_until == _d("2027-02-28")


def test_empty_validity_is_left_out() -> None:
    sanction = _sanction(
        type="dishonest_judgment_debtor", display_until=_d("2023-06-01")
    )
    rule = CATALOGUE.rule("dishonest_judgment_debtor")
    assert derive_restrictions(sanction, [make_role(role=LR, since=None)], rule) == []


def test_roles_of_other_enterprises_are_ignored() -> None:
    role = make_role(role=LR, since=None, credit_code=OTHER)
    rule = CATALOGUE.rule("serious_illegal_dishonest")
    assert derive_restrictions(_sanction(), [role], rule) == []


def test_rule_of_another_type_is_refused() -> None:
    with pytest.raises(PolicyError, match="given for a"):
        derive_restrictions(_sanction(), [], CATALOGUE.rule("license_revoked"))


def test_hand_over_on_violation_day_reaches_only_the_successor() -> None:
    old = make_role(role=LR, since=_d("2018-01-01"), until=_d("2023-01-10"))
    new = make_role(person_id=BOB, role=LR, since=_d("2023-01-10"))
    derived = derive_restrictions(
        _sanction(), [old, new], CATALOGUE.rule("serious_illegal_dishonest")
    )
    assert [r.person_id for r in derived] == [BOB]


def test_propagate_sanctions_over_a_registry() -> None:
    roles = [
        make_role(role=LR, since=None),
        make_role(person_id=BOB, role=LR, since=None, credit_code=OTHER),
    ]
    sanctions = [
        _sanction(sanction_id="S1"),
        _sanction(sanction_id="S2", subject_id=OTHER, type="license_revoked"),
        _sanction(
            sanction_id="S3",
            type="dishonest_judgment_debtor",
            subject_kind=EntityKind.PERSON,
            subject_id=BOB,
        ),
    ]
    derived = propagate_sanctions(sanctions, roles, CATALOGUE)
    expected = sorted(
        [
            *derive_restrictions(
                sanctions[0], roles, CATALOGUE.rule(sanctions[0].type)
            ),
            *derive_restrictions(
                sanctions[1], roles, CATALOGUE.rule(sanctions[1].type)
            ),
            *derive_restrictions(
                sanctions[2], roles, CATALOGUE.rule(sanctions[2].type)
            ),
        ],
        key=lambda r: r.restriction_id,
    )
    assert derived == expected
    assert {(r.sanction_id, r.person_id) for r in derived} == {
        ("S1", ALICE),
        ("S2", BOB),
        ("S3", BOB),
    }
    with pytest.raises(PolicyError, match="unknown sanction type"):
        propagate_sanctions([_sanction(type="nonsense")], roles, CATALOGUE)


# --- lifecycle --------------------------------------------------------------------


def _history(
    *steps: SanctionEvent, sanction: Sanction | None = None
) -> tuple[Sanction, tuple[SanctionEvent, ...]]:
    current = sanction or _sanction()
    events: tuple[SanctionEvent, ...] = ()
    for step in steps:
        current, events = apply_event(current, events, step, CATALOGUE)
    return current, events


def _in_force_on(
    sanction: Sanction, events: tuple[SanctionEvent, ...], day: str
) -> list[Restriction]:
    roles = [make_role(role=LR, since=None)]
    derived = derive_restrictions(sanction, roles, CATALOGUE.rule(sanction.type))
    return restrictions_in_force(
        derived,
        {sanction.sanction_id: sanction},
        {sanction.sanction_id: events},
        _d(day),
    )


@pytest.mark.parametrize(
    ("decided", "on", "allowed"),
    [
        ("2023-06-01", "2024-05-31", False),
        ("2023-06-01", "2024-06-01", True),  # exactly the minimum period
        ("2024-02-29", "2025-02-27", False),
        ("2024-02-29", "2025-02-28", True),  # leap day: the period ends Feb 28
        ("2023-06-01", "2026-05-31", True),  # the last displayed day
        ("2023-06-01", "2026-06-01", False),  # expired
    ],
)
def test_repair_needs_the_minimum_period(decided: str, on: str, allowed: bool) -> None:
    sanction = _sanction(decided_on=_d(decided))
    rule = CATALOGUE.rule(sanction.type)
    assert earliest_repair(sanction, rule) == Period(years=1).after(_d(decided))
    repair = _event(EventKind.REPAIR, on)
    if allowed:
        repaired, events = apply_event(sanction, (), repair, CATALOGUE)
        assert repaired.status is SanctionStatus.REPAIRED
        assert events == (repair,)
    else:
        with pytest.raises(LifecycleError, match="repair on"):
            apply_event(sanction, (), repair, CATALOGUE)


def test_repair_lifts_restrictions_from_its_date() -> None:
    sanction, events = _history(_event(EventKind.REPAIR, "2024-07-01"))
    assert len(_in_force_on(sanction, events, "2024-06-30")) == 1
    assert _in_force_on(sanction, events, "2024-07-01") == []
    assert _in_force_on(sanction, events, "2025-01-01") == []
    assert (
        sanction_state_on(sanction, events, _d("2024-06-30")) is SanctionStatus.ACTIVE
    )
    assert sanction_state_on(sanction, events, _d("2024-07-01")) is (
        SanctionStatus.REPAIRED
    )


def test_statutory_bar_survives_repair() -> None:
    revoked = _sanction(type="license_revoked")
    sanction, events = _history(
        _event(EventKind.REPAIR, "2024-07-01"), sanction=revoked
    )
    assert sanction.status is SanctionStatus.REPAIRED
    (restriction,) = _in_force_on(sanction, events, "2025-01-01")
    assert restriction.measure == "bar_director_supervisor_manager"
    assert _in_force_on(sanction, events, "2026-06-01") == []  # 3 years ran out


def test_objection_suspends_then_rejection_restores() -> None:
    sanction, events = _history(
        _event(EventKind.OBJECT, "2023-07-01"), _event(EventKind.REJECT, "2023-08-01")
    )
    assert sanction.status is SanctionStatus.ACTIVE
    assert len(_in_force_on(sanction, events, "2023-06-30")) == 1
    assert _in_force_on(sanction, events, "2023-07-01") == []
    assert _in_force_on(sanction, events, "2023-07-31") == []
    assert len(_in_force_on(sanction, events, "2023-08-01")) == 1
    rule = CATALOGUE.rule(sanction.type)
    assert not is_displayed_on(sanction, events, rule, _d("2023-07-15"))
    assert is_displayed_on(sanction, events, rule, _d("2023-08-15"))


def test_upheld_objection_revokes_for_good() -> None:
    sanction, events = _history(
        _event(EventKind.OBJECT, "2023-07-01"), _event(EventKind.UPHOLD, "2023-08-01")
    )
    assert sanction.status is SanctionStatus.REVOKED
    assert len(_in_force_on(sanction, events, "2023-06-30")) == 1
    assert _in_force_on(sanction, events, "2023-07-15") == []
    assert _in_force_on(sanction, events, "2024-01-01") == []
    with pytest.raises(LifecycleError, match="revoked"):
        apply_event(
            sanction,
            events,
            _event(EventKind.CORRECT, "2023-09-01", changes=(("decision_no", "X"),)),
            CATALOGUE,
        )


@pytest.mark.parametrize(
    ("steps", "refused", "message"),
    [
        ((), (EventKind.UPHOLD, "2023-07-01"), "not suspended"),
        ((), (EventKind.REJECT, "2023-07-01"), "not suspended"),
        (
            ((EventKind.OBJECT, "2023-07-01"),),
            (EventKind.OBJECT, "2023-07-02"),
            "is suspended",
        ),
        (
            ((EventKind.OBJECT, "2023-07-01"),),
            (EventKind.REPAIR, "2024-07-01"),
            "is suspended",
        ),
        (
            ((EventKind.REPAIR, "2024-07-01"),),
            (EventKind.OBJECT, "2024-08-01"),
            "is repaired",
        ),
        (
            ((EventKind.REPAIR, "2024-07-01"),),
            (EventKind.REPAIR, "2024-08-01"),
            "is repaired",
        ),
        ((), (EventKind.OBJECT, "2026-06-01"), "expired"),
        ((), (EventKind.OBJECT, "2023-05-31"), "before the decision"),
        (
            ((EventKind.OBJECT, "2023-07-01"),),
            (EventKind.REJECT, "2023-06-30"),
            "order",
        ),
    ],
)
def test_refused_transitions(
    steps: tuple[tuple[EventKind, str], ...],
    refused: tuple[EventKind, str],
    message: str,
) -> None:
    sanction, events = _history(*(_event(kind, on) for kind, on in steps))
    with pytest.raises(LifecycleError, match=message):
        apply_event(sanction, events, _event(*refused), CATALOGUE)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"by": " "}, "who recorded"),
        ({"reason": ""}, "why"),
        ({"sanction_id": "S2"}, "applied to"),
        ({"changes": (("authority", "x"),)}, "only a correction"),
    ],
)
def test_events_need_who_why_and_the_right_sanction(
    overrides: dict[str, object], message: str
) -> None:
    event = _event(EventKind.OBJECT, "2023-07-01", **overrides)
    with pytest.raises(LifecycleError, match=message):
        apply_event(_sanction(), (), event, CATALOGUE)


def test_same_day_events_keep_their_order() -> None:
    sanction, events = _history(
        _event(EventKind.OBJECT, "2023-07-01"), _event(EventKind.REJECT, "2023-07-01")
    )
    assert [e.seq for e in events] == [0, 1]
    assert sanction_state_on(sanction, events, _d("2023-07-01")) is (
        SanctionStatus.ACTIVE
    )
    # the replay orders by (date, seq), whatever order the store hands them back in
    assert sanction_state_on(sanction, events[::-1], _d("2023-07-01")) is (
        SanctionStatus.ACTIVE
    )


def test_status_without_history_holds_on_every_day() -> None:
    loaded = _sanction(status=SanctionStatus.REVOKED)
    assert sanction_state_on(loaded, (), _d("2000-01-01")) is SanctionStatus.REVOKED
    assert _in_force_on(loaded, (), "2023-07-01") == []
    with pytest.raises(LifecycleError, match="without a dated history"):
        apply_event(loaded, (), _event(EventKind.OBJECT, "2023-07-01"), CATALOGUE)


def test_events_of_other_sanctions_are_not_replayed() -> None:
    stray = _event(EventKind.OBJECT, "2023-07-01", sanction_id="S9")
    assert sanction_state_on(_sanction(), (stray,), _d("2024-01-01")) is (
        SanctionStatus.ACTIVE
    )


def test_expiry_ends_display_and_listing_restrictions() -> None:
    sanction = _sanction(type="dishonest_judgment_debtor")
    rule = CATALOGUE.rule(sanction.type)
    assert display_end(sanction, rule) == _d("2025-06-01")
    assert is_displayed_on(sanction, (), rule, _d("2025-05-31"))
    assert not is_displayed_on(sanction, (), rule, _d("2025-06-01"))
    assert not is_displayed_on(sanction, (), rule, _d("2023-05-31"))  # not yet decided
    assert len(_in_force_on(sanction, (), "2025-05-31")) == 1
    assert _in_force_on(sanction, (), "2025-06-01") == []
    assert _in_force_on(sanction, (), "2023-05-31") == []


def test_correction_of_violation_date_rederives_who_is_reached() -> None:
    old = make_role(role=LR, since=_d("2018-01-01"), until=_d("2023-03-01"))
    new = make_role(person_id=BOB, role=LR, since=_d("2023-03-01"))
    rule = CATALOGUE.rule("serious_illegal_dishonest")
    before = derive_restrictions(_sanction(), [old, new], rule)
    assert [r.person_id for r in before] == [ALICE]
    fix = _event(
        EventKind.CORRECT, "2023-09-01", changes=(("violation_date", "2023-04-01"),)
    )
    assert needs_rederive(fix)
    corrected, events = apply_event(_sanction(), (), fix, CATALOGUE)
    assert corrected.violation_date == _d("2023-04-01")
    assert corrected.status is SanctionStatus.ACTIVE
    after = derive_restrictions(corrected, [old, new], rule)
    assert [r.person_id for r in after] == [BOB]
    assert events[0].changes == (("violation_date", "2023-04-01"),)


def test_correction_of_type_and_dates() -> None:
    fix = _event(
        EventKind.CORRECT,
        "2023-09-01",
        changes=(
            ("type", "dishonest_judgment_debtor"),
            ("decided_on", "2023-05-01"),
            ("display_until", "2024-05-01"),
            ("violation_date", ""),
        ),
    )
    corrected, _ = apply_event(_sanction(), (), fix, CATALOGUE)
    assert corrected.type == "dishonest_judgment_debtor"
    assert corrected.decided_on == _d("2023-05-01")
    assert corrected.violation_date is None
    (restriction,) = derive_restrictions(
        corrected, [make_role(role=LR, since=None)], CATALOGUE.rule(corrected.type)
    )
    assert (restriction.valid_from, restriction.valid_until) == (
        _d("2023-05-01"),
        _d("2024-05-01"),
    )
    assert not needs_rederive(_event(EventKind.OBJECT, "2023-07-01"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ((), "at least one field"),
        ((("status", "revoked"),), "cannot be corrected"),
        ((("sanction_id", "S2"),), "cannot be corrected"),
        ((("decided_on", "2023-13-01"),), "not an ISO date"),
        ((("decided_on", ""),), "not an ISO date"),
        ((("type", "made_up"),), "not in the catalogue"),
        ((("subject_kind", "company"),), "not person or enterprise"),
        ((("subject_id", " "),), "empty"),
        ((("authority", "a"), ("authority", "b")), "twice"),
        ((("decided_on", "2023-10-01"),), "before the decision"),  # event predates it
    ],
)
def test_refused_corrections(
    changes: tuple[tuple[str, str], ...], message: str
) -> None:
    fix = _event(EventKind.CORRECT, "2023-09-01", changes=changes)
    with pytest.raises(LifecycleError, match=message):
        apply_event(_sanction(), (), fix, CATALOGUE)


def test_correction_may_not_invalidate_an_earlier_repair() -> None:
    sanction, events = _history(_event(EventKind.REPAIR, "2024-06-01"))
    fix = _event(
        EventKind.CORRECT, "2024-07-01", changes=(("decided_on", "2023-07-01"),)
    )
    with pytest.raises(LifecycleError, match="invalidate the earlier repair"):
        apply_event(sanction, events, fix, CATALOGUE)
    # a correction that keeps the repair valid is fine, and the status stays
    ok = replace(fix, changes=(("decided_on", "2023-05-01"),))
    corrected, new_events = apply_event(sanction, events, ok, CATALOGUE)
    assert corrected.status is SanctionStatus.REPAIRED
    assert [e.kind for e in new_events] == [EventKind.REPAIR, EventKind.CORRECT]


def test_restriction_of_an_unknown_sanction_is_an_error() -> None:
    derived = derive_restrictions(
        _sanction(), [make_role(role=LR, since=None)], CATALOGUE.rule(_sanction().type)
    )
    with pytest.raises(EntityNotFoundError):
        restrictions_in_force(derived, {}, {}, _d("2024-01-01"))


# --- appointment checks -----------------------------------------------------------


def _serious_bar() -> list[Restriction]:
    return _in_force_on(_sanction(), (), "2024-01-01")


@pytest.mark.parametrize(
    ("role", "enterprise", "on", "allowed"),
    [
        (LR, OTHER, "2024-01-01", False),  # another enterprise: barred
        (LR, ACME, "2024-01-01", True),  # the listed enterprise itself: not barred
        (DIRECTOR, OTHER, "2024-01-01", True),
        (MANAGER, OTHER, "2024-01-01", True),
        (SHAREHOLDER, OTHER, "2024-01-01", True),
        (LR, OTHER, "2026-05-31", False),  # last day of the 3 years
        (LR, OTHER, "2026-06-01", True),  # the bar has run out
        (LR, OTHER, "2023-05-31", True),  # before the decision
    ],
)
def test_serious_listing_bar(
    role: RoleType, enterprise: str, on: str, allowed: bool
) -> None:
    check = check_appointment(_serious_bar(), role, enterprise, _d(on))
    assert check.allowed is allowed
    assert len(check.blocking) == int(not allowed)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (LR, False),
        (DIRECTOR, False),
        (SUPERVISOR, False),
        (MANAGER, False),
        (SHAREHOLDER, True),
    ],
)
def test_dishonest_person_is_barred_everywhere(role: RoleType, allowed: bool) -> None:
    sanction = _sanction(
        type="dishonest_judgment_debtor", subject_kind=EntityKind.PERSON, subject_id=BOB
    )
    in_force = _in_force_on(sanction, (), "2024-01-01")
    for enterprise in (ACME, OTHER):
        check = check_appointment(in_force, role, enterprise, _d("2024-01-01"))
        assert check.allowed is allowed


def test_consumption_restrictions_never_block_appointments() -> None:
    sanction = _sanction(type="dishonest_judgment_debtor")
    in_force = _in_force_on(sanction, (), "2024-01-01")
    assert [r.measure for r in in_force] == ["restrict_high_consumption"]
    for role in RoleType:
        assert check_appointment(in_force, role, OTHER, _d("2024-01-01")).allowed


def test_blocking_restrictions_are_sorted() -> None:
    person = _sanction(
        type="dishonest_judgment_debtor",
        subject_kind=EntityKind.PERSON,
        subject_id=ALICE,
    )
    restrictions = [*_serious_bar(), *_in_force_on(person, (), "2024-01-01")]
    check = check_appointment(restrictions[::-1], LR, OTHER, _d("2024-01-01"))
    assert [r.restriction_id for r in check.blocking] == sorted(
        r.restriction_id for r in check.blocking
    )
    assert {r.measure for r in check.blocking} == {"bar_legal_representative"}
    assert len(check.blocking) == 2


# --- properties -----------------------------------------------------------------

_PEOPLE = (resident_id(11), resident_id(12), resident_id(13))
_ENTERPRISES = (credit_code(11), credit_code(12))
_DAY0 = date(2019, 1, 1)
# legal representatives are the role most measures reach, so they come up most
_ROLE_MIX = (LR, LR, LR, DIRECTOR, SUPERVISOR, MANAGER, SHAREHOLDER)
# types whose measures bar appointments, drawn more often than the others
_BARRING = ("serious_illegal_dishonest", "license_revoked", "dishonest_judgment_debtor")
_days = st.integers(min_value=0, max_value=8 * 366).map(
    lambda n: _DAY0 + timedelta(days=n)
)


@st.composite
def _roles(draw: st.DrawFn) -> Role:
    since = draw(st.none() | _days)
    until = draw(st.none() | _days)
    return Role(
        person_id=draw(st.sampled_from(_PEOPLE)),
        credit_code=draw(st.sampled_from(_ENTERPRISES)),
        role=draw(st.sampled_from(_ROLE_MIX)),
        since=since,
        until=until,
        source="gen",
        record_id=str(draw(st.integers(0, 3))),
    )


@st.composite
def _sanctions(draw: st.DrawFn) -> Sanction:
    kind = draw(st.sampled_from((EntityKind.ENTERPRISE,) * 2 + (EntityKind.PERSON,)))
    subjects = _ENTERPRISES if kind is EntityKind.ENTERPRISE else _PEOPLE
    decided = draw(_days)
    return Sanction(
        sanction_id=f"S{draw(st.integers(0, 99))}",
        subject_kind=kind,
        subject_id=draw(st.sampled_from(subjects)),
        type=draw(st.sampled_from(CATALOGUE.types()) | st.sampled_from(_BARRING)),
        authority="auth",
        decision_no="no",
        decided_on=decided,
        violation_date=draw(
            st.none() | st.integers(0, 400).map(lambda k: decided - timedelta(days=k))
        ),
        display_until=draw(st.none() | _days),
    )


@settings(max_examples=150)
@given(sanction=_sanctions(), roles=st.lists(_roles(), max_size=8))
def test_derivation_is_idempotent_and_order_free(
    sanction: Sanction, roles: list[Role]
) -> None:
    rule = CATALOGUE.rule(sanction.type)
    once = derive_restrictions(sanction, roles, rule)
    assert derive_restrictions(sanction, roles + roles, rule) == once
    assert derive_restrictions(sanction, roles[::-1], rule) == once
    assert derive_restrictions(sanction, roles, rule) == once
    assert [r.restriction_id for r in once] == sorted({r.restriction_id for r in once})


def _held_on(role: Role, day: date) -> bool:
    return (role.since is None or role.since <= day) and (
        role.until is None or day < role.until
    )


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # Feb 29 in a year without one
        return day.replace(year=day.year - years, day=28)


def _reached(role: Role, sanction: Sanction) -> bool:
    """The time rule restated: some day of the window on which the role was held."""
    rule = CATALOGUE.rule(sanction.type)
    if rule.time_rule is TimeRule.AT_VIOLATION:
        return _held_on(role, sanction.violation_date or sanction.decided_on)
    if rule.time_rule is TimeRule.AT_DECISION:
        return _held_on(role, sanction.decided_on)
    day = _years_back(sanction.decided_on, rule.years or 0)
    while day <= sanction.decided_on:
        if _held_on(role, day):
            return True
        day += timedelta(days=1)
    return False


def _expected_blocked(
    person: str,
    role: RoleType,
    enterprise: str,
    day: date,
    sanctions: list[Sanction],
    roles: list[Role],
) -> bool:
    """The appointment rule restated from the raw facts, without derived values."""
    for sanction in sanctions:
        rule = CATALOGUE.rule(sanction.type)
        assert rule.display.months == 0  # the restatement counts whole years only
        shown_until = sanction.display_until or _years_back(
            sanction.decided_on, -rule.display.years
        )
        if sanction.subject_kind is EntityKind.PERSON:
            if sanction.subject_id != person:
                continue
            entries = list(rule.direct_measures)
        else:
            entries = [
                m
                for held in roles
                if held.person_id == person
                and held.credit_code == sanction.subject_id
                and _reached(held, sanction)
                for m in rule.measures_for(held.role)
            ]
        for entry in entries:
            if role not in entry.measure.bars:
                continue
            if entry.other_enterprises_only and enterprise == sanction.subject_id:
                continue
            if entry.lasts is None:
                until = shown_until
            else:
                assert entry.lasts.months == 0
                until = _years_back(sanction.decided_on, -entry.lasts.years)
            if sanction.decided_on <= day < until:
                return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    sanctions=st.lists(
        _sanctions(), min_size=1, max_size=3, unique_by=lambda s: s.sanction_id
    ),
    roles=st.lists(_roles(), min_size=1, max_size=10),
    data=st.data(),
)
def test_check_appointment_agrees_with_the_rule_restated(
    sanctions: list[Sanction], roles: list[Role], data: st.DataObject
) -> None:
    # roles that start or end right at a sanction's reference dates, where an
    # off-by-one in the time rules would show
    anchors = [
        (sanction.subject_id, day)
        for sanction in sanctions
        if sanction.subject_kind is EntityKind.ENTERPRISE
        for day in (sanction.violation_date, sanction.decided_on)
        if day is not None
    ]
    if anchors:
        near_role = st.builds(
            lambda anchor, person, role, before, after: Role(
                person_id=person,
                credit_code=anchor[0],
                role=role,
                since=None if before is None else anchor[1] - timedelta(days=before),
                until=None if after is None else anchor[1] + timedelta(days=after),
            ),
            st.sampled_from(anchors),
            st.sampled_from(_PEOPLE),
            st.sampled_from(_ROLE_MIX),
            st.none() | st.integers(-2, 2),
            st.none() | st.integers(-2, 2),
        )
        roles = roles + data.draw(st.lists(near_role, max_size=4), label="near roles")
    # days at the edges of the sanctions' periods
    edges = [
        sanction.decided_on + timedelta(days=offset)
        for sanction in sanctions
        for offset in (-1, 0, 1, 365, 730, 731, 1095, 1096)
    ]
    near = st.sampled_from(edges)
    day = data.draw(st.one_of(near, near, _days), label="day")
    derived = propagate_sanctions(sanctions, roles, CATALOGUE)
    by_id = {s.sanction_id: s for s in sanctions}
    in_force = restrictions_in_force(derived, by_id, {}, day)
    blocked = 0
    for person in _PEOPLE:
        mine = [r for r in in_force if r.person_id == person]
        for role in RoleType:
            for enterprise in _ENTERPRISES:
                check = check_appointment(mine, role, enterprise, day)
                expected = _expected_blocked(
                    person, role, enterprise, day, sanctions, roles
                )
                assert check.allowed is not expected, (person, role, enterprise)
                blocked += expected
    event("some appointment blocked" if blocked else "nothing blocked")
