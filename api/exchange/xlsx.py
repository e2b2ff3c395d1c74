"""Excel workbooks for officers: one workbook per kind, Chinese headers.

``persons.xlsx``, ``enterprises.xlsx``, ``roles.xlsx``, ``sanctions.xlsx`` and
``commendations.xlsx`` (good records), each
with one worksheet, headed with the Chinese column names the loaders read
(:mod:`loaders.readers`), so the folder loads back with ``credlink load``: one
workbook per kind because the loaders tell a file's kind by its name and read its
first worksheet. Written in openpyxl's write-only mode (rows stream to disk).

A person gets one row per name: its name first (the loaders keep the first name
seen), then each alias. Roles keep their ``来源`` / ``记录编号`` (the role's source
and record), so they load back with the same provenance; sanctions and
commendations keep their id.
What the loaders cannot read is not written: a sanction loads active (its status
is in a column of its own, ``状态``, for the reader), restrictions are derived
again by ``credlink propagate``.

Every text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading apostrophe (OWASP's advice against formula injection); such
a value loads back with the apostrophe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import openpyxl

from graph.model import EntityKind, RoleType, Sex

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date
    from pathlib import Path

    from api.exchange.population import Population
    from api.exchange.views import ExportView

PERSON_COLUMNS: Final = ("姓名", "身份证号码", "出生日期", "性别")
ENTERPRISE_COLUMNS: Final = (
    "统一社会信用代码",
    "企业名称",
    "登记状态",
    "成立日期",
    "组织机构代码",
    "注册号",
)
ROLE_COLUMNS: Final = (
    "来源",
    "记录编号",
    "身份证号码",
    "统一社会信用代码",
    "职务",
    "任职日期",
    "离任日期",
)
SANCTION_COLUMNS: Final = (
    "惩戒编号",
    "主体类型",
    "主体标识",
    "惩戒类型",
    "决定机关",
    "决定文书号",
    "违法行为发生日期",
    "决定日期",
    "公示截止日期",
    "状态",
)
COMMENDATION_COLUMNS: Final = (
    "来源",
    "记录编号",
    "表彰编号",
    "主体类型",
    "主体标识",
    "表彰类型",
    "表彰机关",
    "表彰日期",
    "有效期至",
)
"""Headers per workbook: aliases the loaders map (``loaders.readers._ALIASES``);
``状态`` maps to no field and is kept as provenance."""

ROLE_NAMES_ZH: Final = {
    RoleType.LEGAL_REPRESENTATIVE: "法定代表人",
    RoleType.DIRECTOR: "董事",
    RoleType.SUPERVISOR: "监事",
    RoleType.SENIOR_MANAGER: "高级管理人员",
    RoleType.SHAREHOLDER: "股东",
}
SUBJECT_KINDS_ZH: Final = {EntityKind.PERSON: "个人", EntityKind.ENTERPRISE: "企业"}
SEXES_ZH: Final = {Sex.MALE: "男", Sex.FEMALE: "女"}

_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

_Row = tuple["str | date | None", ...]


def escape_cell(value: str) -> str:
    """The text as a spreadsheet shows it and never runs it: an apostrophe before
    a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def export_xlsx(
    population: Population, view: ExportView, directory: Path
) -> dict[str, int]:
    """Write the five workbooks into ``directory`` (created); rows per workbook."""
    directory.mkdir(parents=True, exist_ok=True)
    books = (
        ("persons.xlsx", "人员", PERSON_COLUMNS, _person_rows(population, view)),
        ("enterprises.xlsx", "企业", ENTERPRISE_COLUMNS, _enterprise_rows(population)),
        ("roles.xlsx", "任职", ROLE_COLUMNS, _role_rows(population, view)),
        ("sanctions.xlsx", "惩戒", SANCTION_COLUMNS, _sanction_rows(population, view)),
        (
            "commendations.xlsx",
            "守信记录",
            COMMENDATION_COLUMNS,
            _commendation_rows(population, view),
        ),
    )
    return {
        name: _write_book(directory / name, title, header, rows)
        for name, title, header, rows in books
    }


def _write_book(
    path: Path, title: str, header: tuple[str, ...], rows: Iterator[_Row]
) -> int:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append([escape_cell(v) if isinstance(v, str) else v for v in row])
        count += 1
    book.save(path)
    return count


def _person_rows(population: Population, view: ExportView) -> Iterator[_Row]:
    for person in population.persons():
        shown = view.person(person)
        number = view.id_number(person.person_id)
        sex = SEXES_ZH[shown.sex] if shown.sex else None
        yield (shown.name, number, shown.birth_date, sex)
        for alias in shown.aliases:
            yield (alias, number, shown.birth_date, sex)


def _enterprise_rows(population: Population) -> Iterator[_Row]:
    for e in population.enterprises():
        yield (
            e.credit_code,
            e.name,
            e.status,
            e.founded_on,
            e.org_code,
            e.registration_no,
        )


def _role_rows(population: Population, view: ExportView) -> Iterator[_Row]:
    for role in population.roles():
        yield (
            role.source,
            role.record_id,
            view.id_number(role.person_id),
            role.credit_code,
            ROLE_NAMES_ZH[role.role],
            role.since,
            role.until,
        )


def _sanction_rows(population: Population, view: ExportView) -> Iterator[_Row]:
    for s in population.sanctions():
        subject = s.subject_id
        sanction_id = s.sanction_id
        if s.subject_kind is EntityKind.PERSON:
            subject = view.id_number(subject)
            # a sanction id the loaders made holds its subject's key
            sanction_id = sanction_id.replace(s.subject_id, subject)
        yield (
            sanction_id,
            SUBJECT_KINDS_ZH[s.subject_kind],
            subject,
            s.type,
            s.authority,
            s.decision_no,
            s.violation_date,
            s.decided_on,
            s.display_until,
            s.status.value,
        )


def _commendation_rows(population: Population, view: ExportView) -> Iterator[_Row]:
    for c in population.commendations():
        subject = c.subject_id
        commendation_id = c.commendation_id
        if c.subject_kind is EntityKind.PERSON:
            subject = view.id_number(subject)
            commendation_id = commendation_id.replace(c.subject_id, subject)
        yield (
            c.source,
            c.record_id,
            commendation_id,
            SUBJECT_KINDS_ZH[c.subject_kind],
            subject,
            c.kind,
            c.authority,
            c.decided_on,
            c.valid_until,
        )
