"""Row interpretation: field parsers and rows of each kind to domain values."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.model import Enterprise, EntityKind, Person, Role, RoleType, Sex
from graph.policy import load_catalogue
from linkage.ids import (
    make_resident_id,
    make_uscc,
    normalize_resident_id,
    parse_credit_code,
)
from loaders.readers import FIELDS, InputKind, MappedRow, RowError, map_row
from loaders.rows import (
    PendingRow,
    RowResult,
    interpret_row,
    parse_date,
    parse_roles,
    parse_sanction_type,
    parse_sex,
    parse_subject_kind,
)

MAN = make_resident_id("110105", date(1980, 5, 6), 11)  # odd sequence: male
WOMAN = make_resident_id("510104", date(1975, 1, 2), 22)
VECTOR = "11010519491231002X"  # GB 11643's own example
CODE = make_uscc("91", "510100", "12345678")
BAD_CHECK_CODE = CODE[:-1] + ("A" if CODE[-1] != "A" else "B")


def _bad_check(id18: str) -> str:
    return id18[:-1] + ("0" if id18[-1] != "0" else "1")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _interpret(
    kind: InputKind, fields: dict[str, str]
) -> RowResult | PendingRow | RowError:
    cells = map_row(kind, fields.items())
    return interpret_row(kind, cells, file_name="dept/in.csv", line=7)


def _accepted(kind: InputKind, **fields: str) -> RowResult:
    result = _interpret(kind, fields)
    assert isinstance(result, RowResult), result
    return result


def _rejected(kind: InputKind, **fields: str) -> RowError:
    result = _interpret(kind, fields)
    assert isinstance(result, RowError), result
    return result


# -------------------------------------------------------------------- field parsers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("   ", None),
        ("2020-01-02", date(2020, 1, 2)),
        ("2020/01/02", date(2020, 1, 2)),
        ("2020/1/2", date(2020, 1, 2)),
        ("2020.1.2", date(2020, 1, 2)),
        ("20200102", date(2020, 1, 2)),
        ("2020年1月2日", date(2020, 1, 2)),
        ("2020年01月02日", date(2020, 1, 2)),
        ("２０２０－０１－０２", date(2020, 1, 2)),
        (" 2020-01-02 00:00:00 ", date(2020, 1, 2)),
        ("2020-01-02T08:30", date(2020, 1, 2)),
        ("2000-02-29", date(2000, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1999-02-30",
        "2019-02-29",
        "2020-13-01",
        "20201301",
        "2020年2月30日",
        "02/01/2020",
        "2020-01",
        "yesterday",
        "2020-01-02x",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_date(text)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_parse_date_reads_every_written_form(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day:%Y%m%d}",
        f"{day.year}年{day.month}月{day.day}日",
        _full_width(day.isoformat()),
    ]
    assert {parse_date(form) for form in forms} == {day}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("法定代表人", (RoleType.LEGAL_REPRESENTATIVE,)),
        ("legal_representative", (RoleType.LEGAL_REPRESENTATIVE,)),
        ("Legal Representative", (RoleType.LEGAL_REPRESENTATIVE,)),
        ("董事", (RoleType.DIRECTOR,)),
        ("董事长", (RoleType.DIRECTOR,)),
        ("执行董事", (RoleType.DIRECTOR,)),
        ("监事", (RoleType.SUPERVISOR,)),
        ("高级管理人员", (RoleType.SENIOR_MANAGER,)),
        ("经理", (RoleType.SENIOR_MANAGER,)),
        ("总经理", (RoleType.SENIOR_MANAGER,)),
        ("副总经理", (RoleType.SENIOR_MANAGER,)),
        ("财务负责人", (RoleType.SENIOR_MANAGER,)),
        ("股东", (RoleType.SHAREHOLDER,)),
        ("shareholder", (RoleType.SHAREHOLDER,)),
        ("董事长兼总经理", (RoleType.DIRECTOR, RoleType.SENIOR_MANAGER)),
        ("执行董事兼经理", (RoleType.DIRECTOR, RoleType.SENIOR_MANAGER)),
        ("董事、股东", (RoleType.DIRECTOR, RoleType.SHAREHOLDER)),
        ("董事长兼董事", (RoleType.DIRECTOR,)),
    ],
)
def test_parse_roles(text: str, expected: tuple[RoleType, ...]) -> None:
    assert parse_roles(text) == expected


@pytest.mark.parametrize("text", ["", "清洁工", "董事兼清洁工", "董事兼"])
def test_parse_roles_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        parse_roles(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("serious_illegal_dishonest", "serious_illegal_dishonest"),
        ("严重违法失信名单", "serious_illegal_dishonest"),
        ("失信被执行人", "dishonest_judgment_debtor"),
        ("重大税收违法失信主体", "major_tax_violation"),
        ("行政处罚", "administrative_penalty"),
        ("经营异常名录", "abnormal_operations"),
        (" Abnormal_Operations ", "abnormal_operations"),
        ("市场监督管理严重违法失信名单", "serious_illegal_dishonest"),
        ("license_revoked", "license_revoked"),
        ("因违法被吊销营业执照、责令关闭", "license_revoked"),
        ("行政处罚（示例）", "administrative_penalty"),
    ],
)
def test_parse_sanction_type(text: str, expected: str) -> None:
    assert parse_sanction_type(text) == expected


def test_every_catalogue_type_and_its_chinese_name_is_accepted() -> None:
    rules = load_catalogue().rules
    assert rules
    for rule in rules:
        assert parse_sanction_type(rule.sanction_type) == rule.sanction_type
        assert parse_sanction_type(rule.name_zh) == rule.sanction_type


@pytest.mark.parametrize("text", ["", "警告", "dishonest"])
def test_parse_sanction_type_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="sanction type"):
        parse_sanction_type(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("enterprise", EntityKind.ENTERPRISE),
        ("企业", EntityKind.ENTERPRISE),
        ("法人", EntityKind.ENTERPRISE),
        ("person", EntityKind.PERSON),
        ("个人", EntityKind.PERSON),
        ("自然人", EntityKind.PERSON),
    ],
)
def test_parse_subject_kind(text: str, expected: EntityKind) -> None:
    assert parse_subject_kind(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("男", Sex.MALE),
        ("M", Sex.MALE),
        ("male", Sex.MALE),
        ("1", Sex.MALE),
        ("女", Sex.FEMALE),
        ("f", Sex.FEMALE),
        ("2", Sex.FEMALE),
        ("", None),
        ("未知", None),
    ],
)
def test_parse_sex(text: str, expected: Sex | None) -> None:
    assert parse_sex(text) == expected


def test_parse_sex_rejects() -> None:
    with pytest.raises(ValueError, match="sex"):
        parse_sex("X")


# -------------------------------------------------------------------------- persons


def test_person_with_valid_id() -> None:
    result = _accepted(InputKind.PERSONS, 姓名=" 张三 ", 身份证号码=MAN, 性别="男")
    assert result.persons == (Person(MAN, "张三", date(1980, 5, 6), Sex.MALE),)
    (record,) = result.source_records
    assert record.kind is EntityKind.PERSON
    assert (record.source, record.record_id, record.entity_key) == (
        "dept/in.csv",
        "7",
        MAN,
    )
    assert record.raw_dict() == {"name": "张三", "id_number": MAN, "sex": "男"}


def test_person_id_spellings_normalise() -> None:
    result = _accepted(
        InputKind.PERSONS, name="a", id_number=_full_width("11010519491231002x")
    )
    assert result.persons[0].person_id == VECTOR
    assert result.source_records[0].raw_dict()["id_number"] == _full_width(
        "11010519491231002x"
    )


@pytest.mark.parametrize(
    ("birth_date", "sex", "conflict"),
    [
        ("1980-05-06", "男", None),
        ("1980-05-07", "男", "birth_date"),
        ("1980-05-06", "女", "sex"),
        ("1981-01-01", "F", "birth_date,sex"),
    ],
)
def test_person_row_contradicting_its_number_is_kept_with_a_note(
    birth_date: str, sex: str, conflict: str | None
) -> None:
    result = _accepted(
        InputKind.PERSONS, name="张三", id_number=MAN, birth_date=birth_date, sex=sex
    )
    assert result.persons == (Person(MAN, "张三", date(1980, 5, 6), Sex.MALE),)
    assert result.source_records[0].raw_dict().get("conflict") == conflict


@pytest.mark.parametrize(
    ("id_number", "reason"),
    [
        (_bad_check(MAN), "checksum"),
        ("11010519990230002X", "birth_date"),
        ("12345", "length"),
        ("", "missing"),
    ],
)
def test_person_with_unusable_id_is_an_unresolved_record(
    id_number: str, reason: str
) -> None:
    result = _accepted(InputKind.PERSONS, name="张三", id_number=id_number)
    assert result.persons == ()
    assert result.person_stubs == ()
    (record,) = result.source_records
    assert record.entity_key is None
    raw = record.raw_dict()
    assert raw["id_error"] == reason
    assert raw.get("id_number", "") == id_number


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "id_number": ""}, "name"),
        ({"sex": "男"}, "name"),
        ({"name": "a", "id_number": MAN, "birth_date": "1999-02-30"}, "birth_date"),
        ({"name": "a", "id_number": MAN, "sex": "?"}, "sex"),
    ],
)
def test_person_rows_rejected(fields: dict[str, str], field: str) -> None:
    assert _rejected(InputKind.PERSONS, **fields).field == field


def test_nameless_person_is_only_a_stub() -> None:
    result = _accepted(InputKind.PERSONS, id_number=WOMAN)
    assert result.persons == ()
    assert result.person_stubs == (Person(WOMAN, "", date(1975, 1, 2), Sex.FEMALE),)
    assert result.source_records[0].entity_key == WOMAN


def test_source_and_record_id_come_from_columns_then_quarantine_metadata() -> None:
    given_ids = _accepted(
        InputKind.PERSONS, source="hr", record_id="A-1", name="a", id_number=MAN
    )
    record = given_ids.source_records[0]
    assert (record.source, record.record_id) == ("hr", "A-1")
    assert "source" not in record.raw_dict()
    fixed = _accepted(
        InputKind.PERSONS, name="a", id_number=MAN, _file="persons.csv", _line="12"
    )
    record = fixed.source_records[0]
    assert (record.source, record.record_id) == ("persons.csv", "12")
    assert "_file" not in record.raw_dict()


# ---------------------------------------------------------------------- enterprises


def test_enterprise_row() -> None:
    result = _accepted(
        InputKind.ENTERPRISES,
        统一社会信用代码=_full_width(CODE.lower()),
        企业名称="成都示例有限公司",
        登记状态="存续",
        成立日期="2010年5月1日",
    )
    assert result.enterprises == (
        Enterprise(
            CODE,
            "成都示例有限公司",
            status="存续",
            founded_on=date(2010, 5, 1),
            org_code="123456788",
        ),
    )
    # the row as written is the enterprise's provenance
    (record,) = result.source_records
    assert record.kind is EntityKind.ENTERPRISE
    assert record.entity_key == CODE
    assert record.key == "dept/in.csv#7"
    assert record.raw_dict() == {
        "credit_code": _full_width(CODE.lower()),
        "name": "成都示例有限公司",
        "status": "存续",
        "founded_on": "2010年5月1日",
    }


def test_enterprise_failing_only_its_check_character_is_non_conforming() -> None:
    (enterprise,) = _accepted(
        InputKind.ENTERPRISES, credit_code=BAD_CHECK_CODE, name="x"
    ).enterprises
    assert enterprise.credit_code == BAD_CHECK_CODE
    assert enterprise.conforming is False


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"credit_code": "GARBAGE", "name": "x"}, "credit_code"),
        ({"credit_code": CODE + "1", "name": "x"}, "credit_code"),
        ({"credit_code": "I1510100123456788M", "name": "x"}, "credit_code"),
        ({"name": "x"}, "credit_code"),
        ({"credit_code": CODE, "founded_on": "2010-02-30"}, "founded_on"),
    ],
)
def test_enterprise_rows_rejected(fields: dict[str, str], field: str) -> None:
    assert _rejected(InputKind.ENTERPRISES, **fields).field == field


# ---------------------------------------------------------------------------- roles


def test_role_row() -> None:
    result = _accepted(
        InputKind.ROLES,
        姓名="李四",
        身份证号码=WOMAN,
        统一社会信用代码=CODE,
        企业名称="示例公司",
        职务="董事长兼总经理",
        任职日期="2015/01/01",
        离任日期="",
    )
    assert result.roles == tuple(
        Role(WOMAN, CODE, role, date(2015, 1, 1), None, "dept/in.csv", "7")
        for role in (RoleType.DIRECTOR, RoleType.SENIOR_MANAGER)
    )
    assert result.persons == ()
    assert result.person_stubs == (Person(WOMAN, "李四", date(1975, 1, 2), Sex.FEMALE),)
    assert result.enterprise_stubs == (
        Enterprise(CODE, "示例公司", org_code="123456788"),
    )
    (record,) = result.source_records
    assert record.entity_key == WOMAN
    assert record.raw_dict() == {
        "name": "李四",
        "id_number": WOMAN,
        "credit_code": CODE,
        "enterprise_name": "示例公司",
        "role": "董事长兼总经理",
        "since": "2015/01/01",
    }


def test_role_with_invalid_person_number_is_kept_for_linkage_without_a_role() -> None:
    bad = _bad_check(WOMAN)
    result = _accepted(
        InputKind.ROLES,
        person_name="李四",
        person_id_number=bad,
        credit_code=CODE,
        role="监事",
        since="2015-01-01",
        until="2016-01-01",
    )
    assert result.roles == ()
    assert result.person_stubs == ()
    (record,) = result.source_records
    assert record.kind is EntityKind.PERSON
    assert record.entity_key is None
    assert record.raw_dict() == {
        "name": "李四",
        "id_number": bad,
        "credit_code": CODE,
        "role": "监事",
        "since": "2015-01-01",
        "until": "2016-01-01",
        "id_error": "checksum",
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"person_name": "a", "person_id_number": MAN, "role": "董事"}, "credit_code"),
        (
            {"person_name": "a", "credit_code": "GARBAGE", "role": "董事"},
            "credit_code",
        ),
        ({"person_name": "a", "person_id_number": MAN, "credit_code": CODE}, "role"),
        (
            {"person_name": "a", "credit_code": CODE, "role": "董事长秘书助理"},
            "role",
        ),
        ({"credit_code": CODE, "role": "董事"}, "person_name"),
        (
            {"person_name": "a", "credit_code": CODE, "role": "董事", "since": "x"},
            "since",
        ),
        (
            {
                "person_name": "a",
                "person_id_number": MAN,
                "credit_code": CODE,
                "role": "董事",
                "since": "2020-01-02",
                "until": "2020-01-01",
            },
            "until",
        ),
    ],
)
def test_role_rows_rejected(fields: dict[str, str], field: str) -> None:
    assert _rejected(InputKind.ROLES, **fields).field == field


def test_role_of_one_day_is_accepted() -> None:
    result = _accepted(
        InputKind.ROLES,
        person_name="a",
        person_id_number=MAN,
        credit_code=BAD_CHECK_CODE,
        role="董事",
        since="2020-01-01",
        until="2020-01-01",
    )
    assert result.roles[0].credit_code == BAD_CHECK_CODE
    assert result.enterprise_stubs[0].conforming is False


# ------------------------------------------------------------------------ sanctions


def test_sanction_against_an_enterprise() -> None:
    result = _accepted(
        InputKind.SANCTIONS,
        sanction_id="S1",
        主体类型="企业",
        统一社会信用代码=CODE,
        主体名称="示例公司",
        失信类型="严重违法失信名单",
        决定机关="成都市市场监督管理局",
        决定文书号="成市监〔2023〕1号",
        违法行为发生日期="2023-01-10",
        决定日期="2023-06-01",
        公示截止日期="2026-06-01",
    )
    (sanction,) = result.sanctions
    assert sanction.sanction_id == "S1"
    assert (sanction.subject_kind, sanction.subject_id) == (EntityKind.ENTERPRISE, CODE)
    assert sanction.type == "serious_illegal_dishonest"
    assert sanction.authority == "成都市市场监督管理局"
    assert sanction.decision_no == "成市监〔2023〕1号"
    assert (sanction.violation_date, sanction.decided_on, sanction.display_until) == (
        date(2023, 1, 10),
        date(2023, 6, 1),
        date(2026, 6, 1),
    )
    assert result.enterprise_stubs == (
        Enterprise(CODE, "示例公司", org_code="123456788"),
    )
    assert result.person_stubs == ()


def test_sanction_against_a_person_by_generic_subject_id() -> None:
    result = _accepted(
        InputKind.SANCTIONS,
        subject_kind="person",
        subject_id=_full_width(MAN),
        type="失信被执行人",
        decided_on="20230601",
    )
    (sanction,) = result.sanctions
    assert (sanction.subject_kind, sanction.subject_id) == (EntityKind.PERSON, MAN)
    assert result.person_stubs == (Person(MAN, "", date(1980, 5, 6), Sex.MALE),)


@pytest.mark.parametrize(
    ("column", "kind"),
    [("身份证号码", EntityKind.PERSON), ("统一社会信用代码", EntityKind.ENTERPRISE)],
)
def test_sanction_subject_kind_told_by_the_number_column(
    column: str, kind: EntityKind
) -> None:
    number = MAN if kind is EntityKind.PERSON else CODE
    fields = {column: number, "type": "行政处罚", "decided_on": "2023-06-01"}
    (sanction,) = _accepted(InputKind.SANCTIONS, **fields).sanctions
    assert (sanction.subject_kind, sanction.subject_id) == (kind, number)


def test_sanction_id_defaults() -> None:
    base = {
        "subject_kind": "enterprise",
        "subject_id": CODE,
        "type": "行政处罚",
        "decided_on": "2023-06-01",
    }
    with_decision = _accepted(InputKind.SANCTIONS, decision_no="文1", **base)
    assert with_decision.sanctions[0].sanction_id == (
        f"administrative_penalty|文1|enterprise|{CODE}"
    )
    without = _accepted(InputKind.SANCTIONS, **base)
    assert without.sanctions[0].sanction_id == "dept/in.csv#7"


_SANCTION = {
    "subject_kind": "person",
    "subject_id": MAN,
    "type": "行政处罚",
    "decided_on": "2023-06-01",
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject_id": _bad_check(MAN)}, "subject_id"),
        ({"subject_id": ""}, "subject_id"),
        ({"subject_kind": "enterprise", "subject_id": "GARBAGE"}, "subject_id"),
        ({"subject_kind": "组织"}, "subject_kind"),
        ({"subject_kind": ""}, "subject_kind"),
        ({"type": "警告"}, "type"),
        ({"type": ""}, "type"),
        ({"decided_on": ""}, "decided_on"),
        ({"decided_on": "1999-02-30"}, "decided_on"),
        ({"violation_date": "2023-06-02"}, "violation_date"),
        ({"display_until": "2023-05-31"}, "display_until"),
    ],
)
def test_sanction_rows_rejected(changes: dict[str, str], field: str) -> None:
    assert _rejected(InputKind.SANCTIONS, **{**_SANCTION, **changes}).field == field


# ------------------------------------------------------------------------ invariant

_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", MAN, _bad_check(MAN), CODE, BAD_CHECK_CODE, "董事", "企业", "2020-01-01"]
    ),
)


@given(
    st.sampled_from(list(InputKind)).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.dictionaries(st.sampled_from(FIELDS[kind]), _TEXT),
        )
    )
)
def test_any_row_is_accepted_or_rejected_never_raises(
    case: tuple[InputKind, dict[str, str]],
) -> None:
    kind, fields = case
    result = interpret_row(kind, MappedRow(fields, {}, {}), file_name="f.csv", line=2)
    assert isinstance(result, RowResult | PendingRow | RowError)
    if isinstance(result, PendingRow):
        # finished with any credit code, it names that enterprise
        result = result.finish(CODE)
        assert CODE in {r.credit_code for r in result.roles} | {
            s.subject_id for s in result.sanctions
        } or any(r.raw_dict().get("id_error") for r in result.source_records)
    if isinstance(result, RowResult):
        # A role or sanction only ever names a valid, normalised number.
        for role in result.roles:
            assert normalize_resident_id(role.person_id) == role.person_id
        for sanction in result.sanctions:
            if sanction.subject_kind is EntityKind.PERSON:
                assert normalize_resident_id(sanction.subject_id) == sanction.subject_id
            else:
                assert (
                    parse_credit_code(sanction.subject_id).value == sanction.subject_id
                )
