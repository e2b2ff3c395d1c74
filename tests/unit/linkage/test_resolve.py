"""Resolution rules: one number one person, conflicts, typo recovery, judgements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import CandidateRule, ConflictKind, Judgement, JudgementRecord
from linkage.enterprises import EnterpriseIndex
from linkage.ids import downgrade_to_15, org_code_of
from linkage.records import (
    PERSON_FIELDS,
    FieldMapping,
    link_record,
    plain_id_scheme,
)
from linkage.resolver import Resolver, resolve, surrogate_key
from tests.factories import credit_code, make_enterprise, resident_id

if TYPE_CHECKING:
    from linkage.records import LinkRecord

BORN = date(1961, 2, 3)
ID_A = resident_id(11, birth=BORN)  # sequence 11: a man
ID_B = resident_id(24, birth=date(1975, 6, 7))  # sequence 24: a woman
T0 = datetime(2025, 1, 1, 9, 0)


def rec(key: str, name: str = "张伟", id_number: str = "", **fields: str) -> LinkRecord:
    return link_record(key, {"name": name, "id_number": id_number, **fields})


def judgement(
    jid: str, a: str, b: str, verdict: Judgement, minutes: int = 0
) -> JudgementRecord:
    return JudgementRecord(
        jid, a, b, verdict, "审核员", T0 + timedelta(minutes=minutes)
    )


def mistype(number: str, position: int) -> str:
    digit = str((int(number[position]) + 3) % 10)
    return number[:position] + digit + number[position + 1 :]


def swap(number: str, position: int) -> str:
    assert number[position] != number[position + 1]
    return (
        number[:position]
        + number[position + 1]
        + number[position]
        + number[position + 2 :]
    )


# -- one number, one person ------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        ID_A,
        f" {ID_A} ",
        f"{ID_A[:6]} {ID_A[6:14]} {ID_A[14:]}",
        ID_A.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
        downgrade_to_15(ID_A),
    ],
    ids=["canonical", "padded", "grouped", "full-width", "15-digit"],
)
def test_every_spelling_of_a_number_joins_its_person(written: str) -> None:
    result = resolve([rec("ps#1", "张伟", ID_A), rec("tx#9", "張偉", written)])
    assert result.assignment == {"ps#1": ID_A, "tx#9": ID_A}
    identity = result.identities[ID_A]
    assert identity.record_keys == ("ps#1", "tx#9")
    assert identity.rules == ("id",)
    assert repr(written) in identity.evidence[0]
    assert result.conflicts == ()


def test_lowercase_x_joins_its_person() -> None:
    number = next(resident_id(n) for n in range(200) if resident_id(n).endswith("X"))
    result = resolve([rec("a#1", "李娜", number), rec("b#1", "李娜", number.lower())])
    assert result.assignment == {"a#1": number, "b#1": number}


def test_every_name_is_kept_as_an_alias() -> None:
    result = resolve(
        [
            rec("a#1", "张伟", ID_A),
            rec("b#1", "张伟", ID_A),
            rec("c#1", "張偉", ID_A),
            rec("d#1", "张玮", ID_A),
        ]
    )
    identity = result.identities[ID_A]
    assert identity.name == "张伟"
    assert identity.aliases == ("张玮", "張偉")
    assert identity.birth_date == BORN
    assert identity.sex is not None


# -- conflicts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"name": "王强"}, ConflictKind.NAME),
        ({"birth_date": "1961-02-04"}, ConflictKind.BIRTH_DATE),
        ({"birth_date": "19610204"}, ConflictKind.BIRTH_DATE),
        ({"sex": "F"}, ConflictKind.SEX),
        ({"sex": "女"}, ConflictKind.SEX),
    ],
)
def test_contradictions_are_flagged_not_dropped(
    fields: dict[str, str], kind: ConflictKind
) -> None:
    other = {"name": "张伟", "id_number": ID_A, **fields}
    result = resolve(
        [rec("a#1", "张伟", ID_A), rec("a#2", "张伟", ID_A), link_record("b#1", other)]
    )
    assert result.assignment["b#1"] == ID_A  # still linked: the number rules
    assert [(c.record_key, c.kind) for c in result.conflicts] == [("b#1", kind)]
    assert result.conflicts[0].person_id == ID_A


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "张玮"},  # homophone: compatible
        {"birth_date": "1961-02-03"},
        {"birth_date": "1961年2月3日"},
        {"sex": "M"},
        {"sex": "男"},
        {"birth_date": "not a date"},  # unreadable states nothing
    ],
)
def test_agreeing_or_compatible_values_raise_no_conflict(
    fields: dict[str, str],
) -> None:
    other = {"name": "张伟", "id_number": ID_A, **fields}
    result = resolve([rec("a#1", "张伟", ID_A), link_record("b#1", other)])
    assert result.conflicts == ()


# -- typo recovery ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        mistype(ID_A, 0),
        mistype(ID_A, 9),
        mistype(ID_A, 16),
        swap(ID_A, 14),
        *[ID_A[:17] + c for c in "0123456789X" if c != ID_A[17]][:2],
    ],
    ids=["region", "birth", "sequence", "swap", "check-1", "check-2"],
)
def test_a_mistyped_number_becomes_a_candidate_never_a_merge(bad: str) -> None:
    result = resolve([rec("a#1", "张伟", ID_A), rec("b#1", "张伟", bad)])
    assert result.assignment["b#1"] is None
    (best, *_) = result.candidates["b#1"]
    assert best.target == ID_A
    assert best.rule is CandidateRule.ID_TYPO
    assert any("one typo" in reason for reason in best.reasons)
    assert best.rank == 1


def test_a_mistyped_number_with_an_incompatible_name_is_no_typo_candidate() -> None:
    result = resolve([rec("a#1", "张伟", ID_A), rec("b#1", "王强", mistype(ID_A, 9))])
    assert all(
        c.rule is not CandidateRule.ID_TYPO for c in result.candidates.get("b#1", ())
    )


def test_a_mistyped_15_digit_number_is_recovered() -> None:
    legacy = downgrade_to_15(ID_A)
    bad = (
        legacy[:8] + "9" + legacy[9:]
        if legacy[8] != "9"
        else legacy[:8] + "8" + legacy[9:]
    )
    result = resolve([rec("a#1", "张伟", ID_A), rec("b#1", "张伟", bad)])
    candidates = result.candidates.get("b#1", ())
    if result.assignment["b#1"] is None:  # the typo broke the birth date
        assert candidates[0].rule is CandidateRule.ID_TYPO
    else:  # the typo validated: a lone 15-digit record is proposed as the other
        assert candidates[0].rule is CandidateRule.LEGACY_TYPO
    assert candidates[0].target == ID_A


def test_a_lone_valid_15_digit_number_one_typo_away_is_a_legacy_candidate() -> None:
    legacy = downgrade_to_15(ID_A)
    # change the sequence: still a valid 15-digit number, of nobody known
    typo = legacy[:13] + str((int(legacy[13]) + 2) % 10) + legacy[14:]
    result = resolve([rec("a#1", "张伟", ID_A), rec("b#1", "张伟", typo)])
    own = result.assignment["b#1"]
    assert own is not None  # merged by its own (wrong) number only
    assert own != ID_A
    (best,) = result.candidates["b#1"]
    assert (best.target, best.rule) == (ID_A, CandidateRule.LEGACY_TYPO)


# -- records without a usable number ---------------------------------------------------


def test_fuzzy_evidence_ranks_but_never_merges() -> None:
    result = resolve(
        [
            rec("a#1", "张伟", ID_A),
            rec("b#1", "李娜", ID_B),
            rec("c#1", "张伟", "", birth_date=BORN.isoformat(), sex="M"),
        ]
    )
    assert result.assignment["c#1"] is None
    (best,) = result.candidates["c#1"]
    assert best.target == ID_A
    assert best.rule is CandidateRule.FUZZY
    assert best.reasons[0] == f"blocked on birth date {BORN.isoformat()}"
    assert best.score == pytest.approx(0.85)


def test_a_different_stated_birth_date_rules_a_fuzzy_target_out() -> None:
    result = resolve(
        [rec("a#1", "张伟", ID_A), rec("c#1", "张伟", "", birth_date="1961-02-04")]
    )
    assert "c#1" not in result.candidates


def test_records_without_numbers_propose_each_other() -> None:
    result = resolve([rec("a#1", "欧阳娜娜"), rec("b#1", "歐陽娜娜")])
    assert result.candidates["a#1"][0].target == "b#1"
    assert result.candidates["a#1"][0].target_is_record
    assert result.candidates["b#1"][0].target == "a#1"
    assert result.assignment == {"a#1": None, "b#1": None}


def test_a_shared_enterprise_raises_the_score() -> None:
    holder = link_record(
        "r#1", {"name": "张伟", "id_number": ID_A, "credit_code": "X1"}
    )
    other = resident_id(12, birth=date(1980, 1, 1))
    records = [
        holder,
        link_record("r#2", {"name": "张伟", "id_number": other, "credit_code": "X2"}),
        link_record("r#3", {"name": "张伟", "credit_code": "X1"}),
    ]
    ranked = resolve(records).candidates["r#3"]
    assert [c.target for c in ranked] == [ID_A, other]
    assert ranked[0].score > ranked[1].score


# -- judgements ------------------------------------------------------------------------


def test_same_joins_an_unresolved_record_and_different_splits_a_merge() -> None:
    records = [rec("a#1", "张伟", ID_A), rec("b#1", "张伟", ID_A), rec("c#1", "张伟")]
    same = judgement("J1", "c#1", ID_A, Judgement.SAME)
    different = judgement("J2", "b#1", "a#1", Judgement.DIFFERENT, 1)
    result = resolve(records, [same, different])
    surrogate = surrogate_key(["b#1"])
    assert result.assignment == {"a#1": ID_A, "c#1": ID_A, "b#1": surrogate}
    assert surrogate.startswith("U")
    assert result.identities[surrogate].rules == ("split",)
    assert "judgement" in result.identities[ID_A].rules
    assert any("J1" in line for line in result.identities[ID_A].evidence)
    assert result.applied == ("J1", "J2")


def test_undo_restores_the_resolution_before_the_judgement() -> None:
    records = [rec("a#1", "张伟", ID_A), rec("b#1", "张伟", ID_A)]
    before = resolve(records)
    split = judgement("J1", "b#1", ID_A, Judgement.DIFFERENT)
    undone = JudgementRecord(
        "J1",
        "b#1",
        ID_A,
        Judgement.DIFFERENT,
        "审核员",
        T0,
        undone_at=T0,
        undone_by="x",
    )
    assert resolve(records, [split]).assignment["b#1"] != ID_A
    assert resolve(records, [undone]) == before


def test_the_latest_judgement_of_a_pair_wins() -> None:
    records = [rec("a#1", "张伟", ID_A), rec("c#1", "张伟")]
    first = judgement("J1", "c#1", ID_A, Judgement.SAME)
    second = judgement("J2", ID_A, "c#1", Judgement.DIFFERENT, 5)
    assert resolve(records, [first, second]).assignment["c#1"] is None
    assert resolve(records, [second, first]).assignment["c#1"] is None


@pytest.mark.parametrize(
    ("judgements", "reason"),
    [
        ([judgement("J1", ID_A, ID_B, Judgement.SAME)], "two valid ID numbers"),
        (
            [
                judgement("J0", "c#1", ID_B, Judgement.DIFFERENT),
                judgement("J1", "c#1", "d#1", Judgement.SAME, 1),
                judgement("J2", "d#1", ID_B, Judgement.SAME, 2),
            ],
            "judged different",
        ),
        ([judgement("J1", "zz#9", ID_A, Judgement.SAME)], "not known yet"),
    ],
)
def test_a_same_judgement_that_breaks_a_rule_is_blocked(
    judgements: list[JudgementRecord], reason: str
) -> None:
    records = [
        rec("a#1", "张伟", ID_A),
        rec("b#1", "李娜", ID_B),
        rec("c#1"),
        rec("d#1"),
    ]
    result = resolve(records, judgements)
    (blocked,) = result.blocked.values()
    assert reason in blocked
    assert result.assignment["a#1"] == ID_A
    assert result.assignment["b#1"] == ID_B


def test_a_judged_different_target_is_never_proposed_again() -> None:
    records = [
        rec("a#1", "张伟", ID_A),
        rec("c#1", "张伟", "", birth_date=BORN.isoformat()),
    ]
    result = resolve(records, [judgement("J1", "c#1", ID_A, Judgement.DIFFERENT)])
    assert "c#1" not in result.candidates


def test_a_same_judgement_moves_a_record_with_a_number_of_its_own() -> None:
    records = [
        rec("a#1", "张伟", ID_A),
        rec("b#1", "张伟", ID_B),
        rec("b#2", "李娜", ID_B),
    ]
    result = resolve(records, [judgement("J1", "b#1", ID_A, Judgement.SAME)])
    assert result.assignment == {"a#1": ID_A, "b#1": ID_A, "b#2": ID_B}


# -- generic records -------------------------------------------------------------------


def test_a_generic_mapping_links_records_of_another_registry() -> None:
    mapping = FieldMapping(
        name=("given", "surname"),
        id_number="ssn",
        birth_date="dob",
        sex=None,
        address="address",
        enterprise=None,
        scheme=plain_id_scheme("ssn", pattern=r"\d{3}-?\d{2}-?\d{4}"),
    )
    records = [
        link_record(
            "x#1", {"given": "John", "surname": "Smith", "ssn": "123-45-6789"}, mapping
        ),
        link_record(
            "x#2",
            {"given": "JOHN", "surname": "SMITH", "ssn": " 123-45-6789 "},
            mapping,
        ),
        link_record(
            "x#3",
            {
                "given": "Jon",
                "surname": "Smith",
                "dob": "1970-01-01",
                "address": "1 Main St",
            },
            mapping,
        ),
        link_record(
            "x#4",
            {
                "given": "John",
                "surname": "Smith",
                "dob": "1970-01-01",
                "address": "1 main st",
            },
            mapping,
        ),
    ]
    result = resolve(records, mapping=mapping)
    assert result.assignment["x#1"] == result.assignment["x#2"] == "123-45-6789"
    best = result.candidates["x#3"][0]
    assert best.target == "x#4"
    assert "address equal" in best.reasons


# -- properties ------------------------------------------------------------------------

NUMBERS = [resident_id(n, birth=date(1950 + n, 1 + n % 12, 1 + n)) for n in range(4)]


def _legacy_typo(number: str) -> str:
    """A valid 15-digit number one typo (in the sequence) from ``number``'s."""
    legacy = downgrade_to_15(number)
    return legacy[:13] + str((int(legacy[13]) + 2) % 10) + legacy[14:]


SPELLINGS = st.sampled_from(NUMBERS).flatmap(
    lambda n: st.sampled_from(
        [
            n,
            n.lower(),
            f" {n}",
            downgrade_to_15(n),
            mistype(n, 8),
            swap(n, 0) if n[0] != n[1] else mistype(n, 1),
            _legacy_typo(n),
            "",
        ]
    )
)
# the same spellings read as numbers without a check character: a mistyped or
# swapped number is then valid, its identity one typo from the true one's
PLAIN = FieldMapping(scheme=plain_id_scheme("plain", pattern=r"[0-9X]{15,18}"))
MAPPINGS = {"resident_id": PERSON_FIELDS, "plain": PLAIN}
record_strategy = st.builds(
    lambda i, name, number, born, sex, code, mapping: link_record(
        f"s{i % 3}#{i}",
        {
            "name": name,
            "id_number": number,
            "birth_date": born,
            "sex": sex,
            "credit_code": code,
        },
        mapping,
    ),
    st.integers(0, 40),
    st.sampled_from(["张伟", "張偉", "张玮", "李娜", "王强"]),
    SPELLINGS,
    st.sampled_from(["", "1951-02-02", "1950-01-01"]),
    st.sampled_from(["", "M", "F"]),
    st.sampled_from(["", "", "C1"]),
    st.just(PERSON_FIELDS),
)
record_sets = st.lists(record_strategy, max_size=14, unique_by=lambda r: r.key)


def _record_sets(mapping: FieldMapping) -> st.SearchStrategy[list[LinkRecord]]:
    strategy = st.builds(
        lambda r: link_record(
            r.key,
            {
                "name": r.name,
                "id_number": r.id_raw,
                "birth_date": r.birth_date.isoformat() if r.birth_date else "",
                "sex": r.sex.value if r.sex else "",
                "credit_code": r.enterprise or "",
            },
            mapping,
        ),
        record_strategy,
    )
    return st.lists(strategy, max_size=14, unique_by=lambda r: r.key)


def _judgements(keys: list[str]) -> st.SearchStrategy[list[JudgementRecord]]:
    # a mistyped number is a person of its own under the plain scheme
    numbers = [*NUMBERS[:2], mistype(NUMBERS[0], 8)]
    endpoints = st.sampled_from(keys + numbers) if keys else st.sampled_from(NUMBERS)
    one = st.builds(
        lambda i, a, b, v, undone: JudgementRecord(
            f"J{i}",
            a,
            b,
            v,
            "r",
            T0 + timedelta(minutes=i),
            undone_at=T0 if undone else None,
        ),
        st.integers(0, 20),
        endpoints,
        endpoints,
        st.sampled_from(Judgement),
        st.booleans(),
    )
    return st.lists(one, max_size=5, unique_by=lambda j: j.judgement_id)


@st.composite
def scenarios(
    draw: st.DrawFn, mapping: FieldMapping = PERSON_FIELDS
) -> tuple[list[LinkRecord], list[JudgementRecord], list[int]]:
    records = draw(record_sets if mapping is PERSON_FIELDS else _record_sets(mapping))
    judgements = draw(_judgements([r.key for r in records]))
    cuts = sorted(draw(st.lists(st.integers(0, len(records)), max_size=3)))
    return records, judgements, cuts


@pytest.mark.parametrize("mapping", MAPPINGS.values(), ids=list(MAPPINGS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_incremental_resolution_equals_full_resolution(
    mapping: FieldMapping, data: st.DataObject
) -> None:
    records, judgements, cuts = data.draw(scenarios(mapping))
    full = resolve(records, judgements, mapping)
    resolver = Resolver(mapping)
    start = 0
    for i, cut in enumerate([*cuts, len(records)]):
        resolver.add(records[start:cut])
        if i == 1:
            resolver.set_judgements(judgements)
        resolver.resolve()
        start = cut
    resolver.set_judgements(judgements)
    assert resolver.resolve() == full


@settings(max_examples=200, deadline=None)
@given(scenario=scenarios())
def test_a_different_judgement_always_separates(
    scenario: tuple[list[LinkRecord], list[JudgementRecord], list[int]],
) -> None:
    records, judgements, _ = scenario
    result = resolve(records, judgements)
    latest: dict[frozenset[str], JudgementRecord] = {}
    for j in sorted(judgements, key=lambda j: (j.at, j.judgement_id)):
        if j.active and j.a != j.b:
            latest[frozenset((j.a, j.b))] = j

    def person(endpoint: str) -> str | None:
        return result.assignment.get(endpoint) if "#" in endpoint else endpoint

    for j in latest.values():
        if j.verdict is Judgement.DIFFERENT and j.judgement_id not in result.blocked:
            a, b = person(j.a), person(j.b)
            assert a is None or b is None or a != b


@settings(max_examples=200, deadline=None)
@given(scenario=scenarios(), extra=_judgements(["s0#1"]))
def test_undoing_judgements_restores_the_resolution(
    scenario: tuple[list[LinkRecord], list[JudgementRecord], list[int]],
    extra: list[JudgementRecord],
) -> None:
    records, judgements, _ = scenario
    before = resolve(records, judgements)
    resolver = Resolver()
    resolver.add(records)
    resolver.set_judgements(judgements)
    resolver.resolve()
    added = [
        JudgementRecord(f"X{j.judgement_id}", j.a, j.b, j.verdict, j.by, j.at)
        for j in extra
    ]
    for j in added:
        resolver.add_judgement(j)
    resolver.resolve()
    for j in added:
        resolver.add_judgement(
            JudgementRecord(
                j.judgement_id, j.a, j.b, j.verdict, j.by, j.at, undone_at=T0
            )
        )
    after = resolver.resolve()
    assert after.assignment == before.assignment
    assert after.identities == before.identities
    assert after.candidates == before.candidates


@settings(max_examples=100, deadline=None)
@given(number=st.sampled_from(NUMBERS), names=st.sampled_from(["张伟", "張偉"]))
def test_a_15_digit_number_and_its_18_digit_upgrade_are_one_person(
    number: str, names: str
) -> None:
    result = resolve(
        [rec("a#1", "张伟", downgrade_to_15(number)), rec("b#1", names, number)]
    )
    assert result.assignment["a#1"] == result.assignment["b#1"] == number


@settings(max_examples=100, deadline=None)
@given(records=record_sets)
def test_normalised_records_normalise_to_themselves(records: list[LinkRecord]) -> None:
    for r in records:
        again = link_record(
            r.key,
            {
                "name": r.name_key,
                "id_number": r.id_value or r.id_raw,
                "birth_date": r.birth_date.isoformat() if r.birth_date else "",
            },
        )
        assert (again.name_key, again.id_value, again.birth_date) == (
            r.name_key,
            r.id_value,
            r.birth_date,
        )


# -- enterprises ---------------------------------------------------------------------


def test_enterprises_link_by_credit_code_and_legacy_codes() -> None:
    code = credit_code(7)
    other = credit_code(8)
    index = EnterpriseIndex.of(
        [
            make_enterprise(credit_code=code, registration_no="110108000000016"),
            make_enterprise(credit_code=other, org_code="D2143569X"),
            make_enterprise(credit_code=credit_code(9), org_code="D2143569X"),
        ]
    )
    org = org_code_of(code)
    assert index.credit_code_of(code.lower()) == code
    assert index.credit_code_of(f"{code[:9]} {code[9:]}") == code
    assert index.credit_code_of(f"{org[:8]}-{org[8]}") == code
    assert index.credit_code_of("110108000000016") == code
    assert index.credit_code_of(org_code_of(other)) == other
    # one organisation code stated by two enterprises links to neither
    assert index.credit_code_of("D2143569-X") is None
    assert index.conflicts["D2143569X"] == tuple(sorted((other, credit_code(9))))
    assert index.credit_code_of("not a code") is None
    assert index.credit_code_of(credit_code(99)) is None


def test_judgements_with_and_without_time_zone_order_together() -> None:
    records = [rec("a#1", "张伟", ID_A), rec("c#1", "张伟")]
    naive = judgement("J1", "c#1", ID_A, Judgement.SAME)  # 09:00, taken as UTC
    aware = JudgementRecord(
        "J2", "c#1", ID_A, Judgement.DIFFERENT, "r", T0.replace(hour=10, tzinfo=UTC)
    )
    assert resolve(records, [naive, aware]).assignment["c#1"] is None


@settings(max_examples=300, deadline=None)
@given(
    scenario=scenarios(),
    replacements=record_sets,
    removed=st.lists(st.integers(0, 40), max_size=4),
)
def test_replacing_and_removing_records_incrementally_equals_full(
    scenario: tuple[list[LinkRecord], list[JudgementRecord], list[int]],
    replacements: list[LinkRecord],
    removed: list[int],
) -> None:
    records, judgements, _ = scenario
    gone = {f"s{i % 3}#{i}" for i in removed}
    final = {r.key: r for r in records}
    final.update((r.key, r) for r in replacements)
    for key in gone:
        final.pop(key, None)
    resolver = Resolver()
    resolver.add(records)
    resolver.set_judgements(judgements)
    resolver.resolve()
    resolver.add(replacements)
    resolver.resolve()
    resolver.remove(gone)
    assert resolver.resolve() == resolve(list(final.values()), judgements)


def test_dropping_a_judgement_brings_its_candidates_back() -> None:
    records = [
        rec("a#1", "张伟", ID_A),
        rec("c#1", "张伟", "", birth_date=BORN.isoformat()),
    ]
    resolver = Resolver()
    resolver.add(records)
    resolver.set_judgements([judgement("J1", "c#1", ID_A, Judgement.DIFFERENT)])
    assert "c#1" not in resolver.resolve().candidates
    resolver.set_judgements([])
    assert resolver.resolve() == resolve(records)
