"""The measures catalogue: shipped content, period arithmetic, validation errors."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from graph.errors import PolicyError
from graph.model import RoleType
from graph.policy import (
    Period,
    TimeRule,
    add_months,
    default_catalogue_path,
    load_catalogue,
    parse_catalogue,
)

if TYPE_CHECKING:
    from pathlib import Path

LR = RoleType.LEGAL_REPRESENTATIVE
DIRECTOR = RoleType.DIRECTOR
SUPERVISOR = RoleType.SUPERVISOR
MANAGER = RoleType.SENIOR_MANAGER
SHAREHOLDER = RoleType.SHAREHOLDER


# --- the shipped catalogue -------------------------------------------------------


@pytest.mark.parametrize(
    ("sanction_type", "time_rule", "years", "display", "min_repair", "example"),
    [
        ("serious_illegal_dishonest", TimeRule.AT_VIOLATION, None, "3y", "1y", False),
        ("dishonest_judgment_debtor", TimeRule.AT_DECISION, None, "2y", "0", False),
        ("major_tax_violation", TimeRule.AT_VIOLATION, None, "3y", "6m", False),
        ("license_revoked", TimeRule.AT_DECISION, None, "3y", "1y", False),
        ("abnormal_operations", TimeRule.AT_DECISION, None, "3y", "0", False),
        (
            "administrative_penalty",
            TimeRule.WITHIN_YEARS_BEFORE_DECISION,
            1,
            "3y",
            "6m",
            True,
        ),
    ],
)
def test_shipped_type_periods_and_time_rules(
    sanction_type: str,
    time_rule: TimeRule,
    years: int | None,
    display: str,
    min_repair: str,
    example: bool,
) -> None:
    rule = load_catalogue().rule(sanction_type)
    assert rule.time_rule is time_rule
    assert rule.years == years
    assert rule.display == Period.parse(display)
    assert rule.min_repair == Period.parse(min_repair)
    assert rule.example is example
    assert rule.basis
    assert all(basis.zh and basis.en for basis in rule.basis)


@pytest.mark.parametrize(
    ("sanction_type", "role", "measures"),
    [
        ("serious_illegal_dishonest", LR, {"bar_legal_representative"}),
        ("serious_illegal_dishonest", DIRECTOR, set()),
        ("serious_illegal_dishonest", MANAGER, set()),
        ("dishonest_judgment_debtor", LR, {"restrict_high_consumption"}),
        ("dishonest_judgment_debtor", MANAGER, {"restrict_high_consumption"}),
        ("dishonest_judgment_debtor", DIRECTOR, set()),
        ("major_tax_violation", LR, {"disclose_identity", "restrict_exit"}),
        ("major_tax_violation", MANAGER, {"disclose_identity"}),
        ("license_revoked", LR, {"bar_director_supervisor_manager"}),
        ("abnormal_operations", LR, set()),
        ("administrative_penalty", LR, {"credit_file_note"}),
        *[(t, SHAREHOLDER, set()) for t in load_catalogue().types()],
    ],
)
def test_shipped_measures_per_liable_role(
    sanction_type: str, role: RoleType, measures: set[str]
) -> None:
    rule = load_catalogue().rule(sanction_type)
    assert {m.measure.key for m in rule.measures_for(role)} == measures
    assert (role in rule.liable_roles()) is bool(measures)


@pytest.mark.parametrize(
    ("sanction_type", "measures"),
    [
        ("serious_illegal_dishonest", set()),
        (
            "dishonest_judgment_debtor",
            {
                "restrict_high_consumption",
                "bar_director_supervisor_manager",
                "bar_legal_representative",
            },
        ),
        ("major_tax_violation", {"disclose_identity"}),
        ("license_revoked", set()),
        ("abnormal_operations", set()),
        ("administrative_penalty", {"credit_file_note"}),
    ],
)
def test_shipped_direct_measures(sanction_type: str, measures: set[str]) -> None:
    rule = load_catalogue().rule(sanction_type)
    assert {m.measure.key for m in rule.direct_measures} == measures
    assert all(m.roles == () for m in rule.direct_measures)


@pytest.mark.parametrize(
    ("measure", "bars"),
    [
        ("bar_legal_representative", (LR,)),
        ("bar_director_supervisor_manager", (DIRECTOR, SUPERVISOR, MANAGER)),
        ("restrict_high_consumption", ()),
        ("disclose_identity", ()),
        ("restrict_exit", ()),
        ("credit_file_note", ()),
    ],
)
def test_shipped_measure_bars(measure: str, bars: tuple[RoleType, ...]) -> None:
    assert load_catalogue().measure(measure).bars == bars


def test_serious_bar_is_for_other_enterprises_for_three_years() -> None:
    (entry,) = load_catalogue().rule("serious_illegal_dishonest").role_measures
    assert entry.other_enterprises_only is True
    assert entry.lasts == Period(years=3)
    assert entry.survives_repair is False


def test_licence_revocation_bar_survives_repair() -> None:
    (entry,) = load_catalogue().rule("license_revoked").role_measures
    assert entry.survives_repair is True
    assert entry.other_enterprises_only is False


def test_examples_are_marked_on_entries() -> None:
    rule = load_catalogue().rule("dishonest_judgment_debtor")
    flags = {(m.roles, m.example) for m in rule.role_measures}
    assert flags == {((LR,), False), ((MANAGER,), True)}
    # an example type makes every entry an example
    admin = load_catalogue().rule("administrative_penalty")
    assert all(m.example for m in (*admin.role_measures, *admin.direct_measures))


def test_unknown_type_and_measure() -> None:
    catalogue = load_catalogue()
    assert catalogue.get("no_such_type") is None
    with pytest.raises(PolicyError, match="unknown sanction type 'no_such_type'"):
        catalogue.rule("no_such_type")
    with pytest.raises(PolicyError, match="unknown measure 'nope'"):
        catalogue.measure("nope")


def test_types_are_sorted_and_loading_is_cached() -> None:
    catalogue = load_catalogue()
    assert list(catalogue.types()) == sorted(catalogue.types())
    assert load_catalogue() is catalogue
    assert load_catalogue(default_catalogue_path()) == catalogue


def test_cache_clear_rereads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(_MINIMAL, encoding="utf-8")
    first = load_catalogue(path)
    path.write_text(_MINIMAL.replace('display = "3y"', 'display = "4y"'), "utf-8")
    assert load_catalogue(path) is first
    load_catalogue.cache_clear()
    assert load_catalogue(path).rule("listed").display == Period(years=4)


# --- periods and month arithmetic ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("0", Period()),
        ("0y", Period()),
        ("3y", Period(3, 0)),
        ("6m", Period(0, 6)),
        ("1y6m", Period(1, 6)),
        ("18m", Period(0, 18)),
    ],
)
def test_period_parse(text: str, period: Period) -> None:
    assert Period.parse(text) == period


@pytest.mark.parametrize("text", ["", "3", "y", "3 years", "1m1y", "-1y", "3Y"])
def test_period_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        Period.parse(text)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day clamps
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # to the next leap year: exact
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (date(2023, 2, 28), 12, date(2024, 2, 28)),  # no stretching to Feb 29
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 3, 31), -1, date(2023, 2, 28)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
        (date(2021, 6, 1), 36, date(2024, 6, 1)),
        (date(2021, 6, 1), 0, date(2021, 6, 1)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_period_after_and_before() -> None:
    assert Period(years=3).after(date(2024, 2, 29)) == date(2027, 2, 28)
    assert Period(years=1).before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert Period(1, 6).after(date(2023, 8, 31)) == date(2025, 2, 28)
    assert str(Period(1, 6)) == "1y6m"
    assert str(Period()) == "0"


# --- validation errors name file and line ----------------------------------------

_MINIMAL = """\
version = 1

[measures.bar]
name_zh = "禁"
name_en = "bar"
bars = ["legal_representative"]

[measures.note]
name_zh = "记"
name_en = "note"

[types.listed]
name_zh = "名单"
name_en = "list"
time_rule = "at_violation"
display = "3y"
min_repair = "1y"

[[types.listed.basis]]
zh = "依据"
en = "basis"

[[types.listed.measures]]
measure = "bar"
roles = ["legal_representative"]
lasts = "3y"
other_enterprises_only = true

[[types.listed.measures]]
measure = "note"
roles = ["director"]
lasts = "listing"

[[types.listed.direct]]
measure = "note"
lasts = "listing"
"""


def test_minimal_catalogue_parses() -> None:
    catalogue = parse_catalogue(_MINIMAL, "mini.toml")
    rule = catalogue.rule("listed")
    assert [m.measure.key for m in rule.role_measures] == ["bar", "note"]
    assert rule.role_measures[1].lasts is None
    assert catalogue.source == "mini.toml"


def _mutate(old: str, new: str, *, count: int = 1) -> str:
    assert old in _MINIMAL, old
    return _MINIMAL.replace(old, new, count)


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(needle)


@pytest.mark.parametrize(
    ("old", "new", "needle", "occurrence", "message"),
    [
        # TOML syntax
        ('min_repair = "1y"', "min_repair = 1y", "min_repair", 1, "invalid TOML"),
        # a role that RoleType does not know, in the second measure entry
        ('roles = ["director"]', 'roles = ["chairman"]', "chairman", 1, "roles.0"),
        # an unknown measure key names the entry's measure line
        ('measure = "note"\nroles', 'measure = "nope"\nroles', "nope", 1, "unknown"),
        # a bad period
        ('display = "3y"', 'display = "3 years"', "display", 1, "display"),
        ('display = "3y"', 'display = ""', "display", 1, "display"),
        ('lasts = "3y"', 'lasts = "forever"', "forever", 1, "lasts"),
        # an unknown key
        ('name_en = "list"', 'name_en = "list"\ncolour = "red"', "colour", 1, "colour"),
        # a bad time rule
        ('"at_violation"', '"when_convenient"', "time_rule", 1, "time_rule"),
        # years on a rule that takes none
        ('min_repair = "1y"', 'min_repair = "1y"\nyears = 2', "years", 1, "years"),
        # a windowed rule without years names the type's header
        (
            '"at_violation"',
            '"within_years_before_decision"',
            "[types.listed]",
            1,
            "needs years",
        ),
        # repair longer than display
        ('min_repair = "1y"', 'min_repair = "4y"', "min_repair", 1, "longer than"),
        # a zero display period
        ('display = "3y"', 'display = "0"', "display", 1, "must be > 0"),
        # a measure reaching one role twice
        (
            'roles = ["director"]',
            'roles = ["director", "director"]',
            "roles",
            2,
            "already reaches",
        ),
        # a repeated bar
        (
            'bars = ["legal_representative"]',
            'bars = ["director", "director"]',
            "bars",
            1,
            "repeated",
        ),
        # other-enterprises-only on a measure that bars nothing
        (
            'lasts = "listing"\n\n[[',
            'lasts = "listing"\nother_enterprises_only = true\n\n[[',
            "other_enterprises_only",
            2,
            "bars a role",
        ),
        # the same direct measure twice
        (
            '[[types.listed.direct]]\nmeasure = "note"\nlasts = "listing"\n',
            '[[types.listed.direct]]\nmeasure = "note"\nlasts = "listing"\n'
            '[[types.listed.direct]]\nmeasure = "note"\nlasts = "listing"\n',
            'measure = "note"',
            3,
            "listed twice",
        ),
        # a measure key that is not snake_case
        ("[measures.note]", "[measures.Note]", "[measures.Note]", 1, "measures.Note"),
        # a missing version: the first line
        ("version = 1\n", "", "[measures.bar]", 1, "version"),
    ],
)
def test_validation_errors_name_file_and_line(
    tmp_path: Path,
    old: str,
    new: str,
    needle: str,
    occurrence: int,
    message: str,
) -> None:
    text = _mutate(old, new)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    expected_line = 1 if message == "version" else _line_of(text, needle, occurrence)
    with pytest.raises(PolicyError) as caught:
        load_catalogue(path)
    assert str(caught.value).startswith(f"{path}:{expected_line}: ")
    assert message in str(caught.value)


def test_repeated_role_in_one_entry_is_refused() -> None:
    text = _mutate('roles = ["director"]', 'roles = ["director", "director"]')
    with pytest.raises(PolicyError, match="already reaches director"):
        parse_catalogue(text, "x.toml")


def test_missing_basis_names_the_type_header() -> None:
    text = _mutate('[[types.listed.basis]]\nzh = "依据"\nen = "basis"\n', "")
    with pytest.raises(PolicyError) as caught:
        parse_catalogue(text, "x.toml")
    assert str(caught.value).startswith(f"x.toml:{_line_of(text, '[types.listed]')}:")
    assert "basis" in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(PolicyError, match=r"missing\.toml:0: cannot read"):
        load_catalogue(missing)


def test_shipped_catalogue_text_round_trips() -> None:
    path = default_catalogue_path()
    parsed = parse_catalogue(path.read_text(encoding="utf-8"), str(path))
    assert parsed == load_catalogue()


# --- rule versions keyed by the decision date ---------------------------------------

_VERSIONS = """
[versions.old]
name_zh = "旧"
name_en = "old"
until = 2026-03-31
[[versions.old.basis]]
zh = "旧依据"
en = "old basis"

[versions.new]
name_zh = "新"
name_en = "new"
from = 2026-04-01
[[versions.new.basis]]
zh = "新依据"
en = "new basis"
"""

_IN_FORCE = """
[types.listed.in_force.new]
severity = "general"
display = "1y"
min_repair = "3m"
[[types.listed.in_force.new.basis]]
zh = "一般"
en = "general"
"""


def _versioned(versions: str = _VERSIONS) -> str:
    return _MINIMAL.replace("version = 1\n", "version = 1\n" + versions) + _IN_FORCE


def test_rule_versions_follow_the_decision_date() -> None:
    catalogue = parse_catalogue(_versioned(), "v.toml")
    old = catalogue.rule("listed", date(2026, 3, 31))
    new = catalogue.rule("listed", date(2026, 4, 1))
    assert (old.version and old.version.key, str(old.display)) == ("old", "3y")
    assert (new.version and new.version.key, str(new.display)) == ("new", "1y")
    assert (str(new.min_repair), new.severity) == ("3m", "general")
    assert catalogue.rule("listed").version == old.version  # no date: the first


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("from = 2026-04-01", "from = 2026-04-02", "must be the day after"),
        ("from = 2026-04-01", "from = 2026-03-31", "must be the day after"),
        ("until = 2026-03-31", "", "overlaps the rule version old"),
        ('name_en = "new"\n', 'name_en = "new"\nuntil = 2030-01-01\n', "no `until`"),
    ],
)
def test_rule_versions_leave_no_gap_or_overlap(
    old: str, new: str, message: str
) -> None:
    text = _versioned(_VERSIONS.replace(old, new))
    with pytest.raises(PolicyError, match=message):
        parse_catalogue(text, "v.toml")


def test_an_unknown_version_in_a_type_names_its_line() -> None:
    text = _versioned().replace("in_force.new", "in_force.newer")
    line = _line_of(text, "in_force.newer]")
    with pytest.raises(PolicyError, match=rf"^v\.toml:{line}: .*unknown rule version"):
        parse_catalogue(text, "v.toml")


def test_the_shipped_catalogue_switches_on_2026_04_01() -> None:
    catalogue = load_catalogue()
    assert [v.key for v in catalogue.versions] == [
        "ndrc_order58_2023",
        "ndrc_credit_repair_2026",
    ]
    for rule_type in catalogue.types():
        for day in (date(2026, 3, 31), date(2026, 4, 1)):
            rule = catalogue.rule(rule_type, day)
            assert rule.version is not None
            assert rule.version.covers(day)
