"""``credlink load --reference`` reads row by row and reports what the fast path does.

(Both stores: the ``cli`` fixture runs over each.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.conftest import Cli


def test_load_with_and_without_reference_reports_the_same(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = resident_id(2)[:-1] + ("0" if resident_id(2)[-1] != "0" else "1")
    (folder / "persons.csv").write_text(
        f"姓名,身份证号码,出生日期\n张三,{resident_id(1)},\n李四,{bad},\n"
        f"王五,{resident_id(3)},1999-02-30\n",
        encoding="utf-8-sig",
    )
    (folder / "roles.csv").write_text(
        f"person_id_number,person_name,credit_code,role,since\n"
        f"{resident_id(1)},张三,{credit_code(1)},董事长兼总经理,2020-01-02\n",
        encoding="utf-8",
    )
    fast = cli.json("load", str(folder), "--quarantine", str(tmp_path / "q1"))
    stats = cli.json("stats")
    reference = cli.json(
        "load", str(folder), "--reference", "--quarantine", str(tmp_path / "q2")
    )
    assert fast == reference
    assert [(f["read"], f["loaded"], f["quarantined"]) for f in fast["files"]] == [
        (3, 2, 1),
        (1, 1, 0),
    ]
    assert cli.json("stats") == stats  # the second load changed nothing
    quarantined = [
        (tmp_path / q / "persons.quarantine.csv").read_bytes() for q in ("q1", "q2")
    ]
    assert quarantined[0] == quarantined[1]
    assert b"no such date" in quarantined[0]
