"""Rows that name enterprises by legacy identifiers, loaded into both stores.

The enterprise is resolved by organisation code (embedded in its credit code or
stated) or registration number, against the enterprises of the same load and those
the store held before; an unknown or ambiguous identifier quarantines the row, and
the fixed quarantine file loads once the enterprise is known.
"""

from __future__ import annotations

import csv
import textwrap
from typing import TYPE_CHECKING

import pytest

from graph.errors import InvalidRecordError
from graph.model import EntityKind
from linkage.ids import org_code_of
from loaders.pipeline import load_folder
from loaders.rows import RESOLVED_CREDIT_CODE, roles_of_record
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from graph.store import GraphStore
    from loaders.pipeline import LoadReport

A, B, C, D = (credit_code(n) for n in (41, 42, 43, 44))
ORG_A = org_code_of(A)
PRINTED_A = f"{ORG_A[:8]}-{ORG_A[8]}"  # as printed on old certificates
REG_B = "510100000000001"  # stated by B
REG_SHARED = "110108000000016"  # stated by C and D: a conflict
P1, P2, P3 = (resident_id(n) for n in (51, 52, 53))

ENTERPRISES = f"""\
    统一社会信用代码,企业名称,组织机构代码,注册号
    {A},甲公司,{PRINTED_A},
    {B},乙公司,,{REG_B}
    {C},丙公司,,{REG_SHARED}
    {D},丁公司,,{REG_SHARED}
    {A.lower()},甲公司（重复）,,
    """


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def _summary(report: LoadReport) -> list[tuple[str, int, int, int]]:
    return [(f.path.name, f.read, f.loaded, f.quarantined) for f in report.files]


def _quarantined(folder: Path, kind: str) -> list[dict[str, str]]:
    path = folder / "quarantine" / f"{kind}.quarantine.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_legacy_identifiers_resolve_in_the_same_load(
    store: GraphStore, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    _write(folder, "enterprises.csv", ENTERPRISES)
    _write(
        folder,
        "roles.csv",
        f"""\
        姓名,身份证号码,统一社会信用代码,注册号,职务,任职日期
        张伟,{P1},{PRINTED_A},,董事,2010-01-01
        张伟,{P1},,{REG_B},监事,2011-01-01
        李娜,{P2},Ｄ２１４３５６９－Ｘ,,董事,2012-01-01
        李娜,{P2},{REG_SHARED},,董事,2012-01-01
        王芳,{P3},{ORG_A.lower()},,总经理,2013-01-01
        """,
    )
    _write(
        folder,
        "sanctions.csv",
        f"""\
        subject_kind,组织机构代码,type,decided_on,decision_no
        enterprise,{PRINTED_A},行政处罚,2020-01-01,X1
        enterprise,{org_code_of(B)},行政处罚,2020-01-01,X2
        """,
    )
    report = load_folder(folder, store)
    assert _summary(report) == [
        ("enterprises.csv", 5, 5, 0),
        ("roles.csv", 5, 3, 2),
        ("sanctions.csv", 2, 2, 0),
    ]
    for f in report.files:
        assert f.read == f.loaded + f.quarantined

    # two rows of one credit code (any spelling) are one enterprise, both kept
    assert store.counts().enterprises == 4
    records = store.source_records_of(EntityKind.ENTERPRISE, A)
    assert [r.raw_dict()["name"] for r in records] == ["甲公司", "甲公司（重复）"]
    a = store.get_enterprise(A)
    assert a is not None
    assert (a.name, a.org_code) == ("甲公司（重复）", ORG_A)

    roles = store.neighbours(EntityKind.PERSON, P1)
    assert [(r.credit_code, r.role.value) for r in roles] == [
        (A, "director"),
        (B, "supervisor"),
    ]
    assert [r.credit_code for r in store.neighbours(EntityKind.PERSON, P3)] == [A]
    # the identifier as written is the role's provenance
    (record,) = [
        r
        for r in store.source_records_of(EntityKind.PERSON, P1)
        if r.record_id == roles[0].record_id
    ]
    assert record.raw_dict()["credit_code"] == PRINTED_A
    assert record.raw_dict()[RESOLVED_CREDIT_CODE] == A
    # the sanction's id and subject use the credit code
    (sanction,) = store.sanctions_against(EntityKind.ENTERPRISE, A)
    assert sanction.sanction_id == f"administrative_penalty|X1|enterprise|{A}"
    assert [s.subject_id for s in store.sanctions_against(EntityKind.ENTERPRISE, B)]

    rejected = {r["_line"]: r for r in _quarantined(folder, "roles")}
    assert set(rejected) == {"4", "5"}
    assert rejected["4"]["_field"] == "credit_code"
    assert rejected["4"]["_reason"] == (
        "organisation code D2143569X names no known enterprise"
    )
    assert rejected["5"]["_reason"] == (
        f"registration number {REG_SHARED} is claimed by 2 enterprises "
        f"({', '.join(sorted((C, D)))}): it names none of them"
    )
    assert rejected["5"]["_file"] == "roles.csv"

    # loading again changes nothing
    counts = store.counts()
    assert _summary(load_folder(folder, store)) == _summary(report)
    assert store.counts() == counts


def test_legacy_identifiers_resolve_against_the_store_and_fixed_rows_load(
    store: GraphStore, tmp_path: Path
) -> None:
    roles = tmp_path / "roles"
    _write(
        roles,
        "roles.csv",
        f"""\
        姓名,身份证号码,组织机构代码,职务
        张伟,{P1},{PRINTED_A},董事
        李娜,{P2},D2143569-X,监事
        """,
    )
    # no enterprise known yet: both rows wait in the quarantine
    first = load_folder(roles, store)
    assert _summary(first) == [("roles.csv", 2, 0, 2)]
    assert store.counts().roles == 0

    # an earlier load of the enterprises; the organisation code is in A's code
    _write(tmp_path / "firms", "enterprises.csv", ENTERPRISES)
    load_folder(tmp_path / "firms", store)

    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (roles / "quarantine" / "roles.quarantine.csv").rename(
        fixed / "roles.quarantine.csv"
    )
    again = load_folder(fixed, store)
    assert _summary(again) == [("roles.quarantine.csv", 2, 1, 1)]
    (role,) = store.neighbours(EntityKind.PERSON, P1)
    assert role.credit_code == A
    # stored under the key the row had in the original file
    assert (role.source, role.record_id) == ("roles.csv", "2")


def test_a_stated_org_code_contradicting_the_credit_code_is_quarantined(
    store: GraphStore, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(
        folder,
        "enterprises.csv",
        f"""\
        credit_code,org_code,name
        {A},D2143569-X,甲公司
        {B},D2143569-1,乙公司
        {C},{org_code_of(C)},丙公司
        """,
    )
    report = load_folder(folder, store)
    assert _summary(report) == [("enterprises.csv", 3, 1, 2)]
    reasons = {r["_line"]: r for r in _quarantined(folder, "enterprises")}
    assert reasons["2"]["_field"] == "org_code"
    assert reasons["2"]["_reason"] == (
        f"organisation code D2143569X is not the one in the credit code ({ORG_A})"
    )
    assert "checksum" in reasons["3"]["_reason"]
    assert store.get_enterprise(A) is None


def test_strict_raises_for_an_unknown_legacy_identifier(
    store: GraphStore, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "enterprises.csv", ENTERPRISES)
    _write(
        folder,
        "roles.csv",
        f"""\
        姓名,身份证号码,统一社会信用代码,职务
        张伟,{P1},{PRINTED_A},董事
        李娜,{P2},D2143569X,监事
        王芳,{P3},not-a-code,监事
        """,
    )
    with pytest.raises(InvalidRecordError) as info:
        load_folder(folder, store, strict=True)
    # the waiting row comes before the malformed one, so it is the one named
    assert (info.value.source, info.value.line, info.value.field) == (
        "roles.csv",
        3,
        "credit_code",
    )
    assert "names no known enterprise" in info.value.reason
    assert not (folder / "quarantine").exists()


def test_a_role_record_of_an_unresolved_person_keeps_the_resolved_code(
    store: GraphStore, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _write(folder, "enterprises.csv", ENTERPRISES)
    bad_number = P1[:17] + ("0" if P1[17] != "0" else "1")
    _write(
        folder,
        "roles.csv",
        f"""\
        姓名,身份证号码,统一社会信用代码,职务,任职日期
        张伟,{bad_number},{REG_B},董事长,2015-01-01
        """,
    )
    load_folder(folder, store)
    (record,) = list(store.iter_source_records(EntityKind.PERSON))
    assert record.entity_key is None
    assert record.raw_dict()["credit_code"] == REG_B
    roles, stubs = roles_of_record(record, P1)
    assert [(r.credit_code, r.role.value) for r in roles] == [(B, "director")]
    assert [s.credit_code for s in stubs] == [B]
