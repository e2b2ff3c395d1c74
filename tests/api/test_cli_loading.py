"""``credlink generate``, ``load``, ``stats`` and ``demo`` on both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.conftest import Cli


def test_stats_of_an_empty_store(cli: Cli) -> None:
    assert cli.json("stats") == {
        "persons": 0,
        "enterprises": 0,
        "roles": 0,
        "sanctions": 0,
        "commendations": 0,
        "source_records": 0,
        "set_aside": [],
    }


def test_load_reports_every_row_and_twice_changes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "registry"
    generated = cli.json(
        "generate", "--persons", "200", "--enterprises", "40", "--seed", "3",
        "--out", str(folder),
    )  # fmt: skip
    report = cli.json("load", str(folder))
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in report["files"]}
    assert set(by_name) == {
        "persons.csv", "enterprises.csv", "roles.csv", "sanctions.csv",
        "commendations.csv",
    }  # fmt: skip
    for name, file in by_name.items():
        assert file["read"] == file["loaded"] + file["quarantined"]
        assert file["read"] == generated["files"][name]
    first = cli.json("stats")
    assert first["enterprises"] == 40
    assert first["persons"] > 0
    assert first["roles"] > 0
    again = cli.json("load", str(folder))
    assert again == report
    assert cli.json("stats") == first


def test_bad_rows_are_quarantined_not_lost(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(
        "credit_code,name\n91350100M000100Y43,甲公司\nnot-a-code,乙公司\n",
        encoding="utf-8",
    )
    report = cli.json("load", str(folder))
    assert report["files"][0]["read"] == 2
    assert report["files"][0]["loaded"] == 1
    assert report["files"][0]["quarantined"] == 1
    quarantined = list((folder / "quarantine").glob("*.csv"))
    assert quarantined
    assert "not-a-code" in quarantined[0].read_text(encoding="utf-8")


def test_strict_load_stops_with_the_file_row_and_field(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(
        "credit_code,name,founded_on\n91350100M000100Y43,甲公司,1999-02-30\n",
        encoding="utf-8",
    )
    result = cli.run("load", str(folder), "--strict", code=2)
    assert "enterprises.csv" in result.output
    assert "founded_on" in result.output
    assert cli.json("stats")["enterprises"] == 0


def test_generate_is_byte_identical_for_a_seed(cli: Cli, tmp_path: Path) -> None:
    for out in ("a", "b"):
        cli.run(
            "generate", "--persons", "200", "--enterprises", "20", "--seed", "9",
            "--out", str(tmp_path / out),
        )  # fmt: skip
    for file in sorted((tmp_path / "a").iterdir()):
        assert file.read_bytes() == (tmp_path / "b" / file.name).read_bytes()


def test_generate_refuses_too_few_persons(cli: Cli, tmp_path: Path) -> None:
    result = cli.run(
        "generate", "--persons", "10", "--out", str(tmp_path / "x"), code=2
    )
    assert "at least" in result.output


def test_demo_loads_a_registry_and_stats_show_it(cli: Cli) -> None:
    shown = cli.json("demo")
    assert shown["counts"]["persons"] > 0
    stats = cli.json("stats")
    assert stats.pop("set_aside") == []
    assert shown["counts"] == stats
    for file in shown["files"].values():
        assert file["read"] == file["loaded"] + file["quarantined"]
    assert shown["linkage"]["identities"] == shown["counts"]["persons"]
    assert shown["propagation"]["restrictions_written"] > 0
    assert shown["restrictions"]
    for restriction in shown["restrictions"]:
        assert "*" in restriction["person"]  # ID numbers are masked
        assert restriction["valid_from"] <= shown["on"] < restriction["valid_until"]
        assert restriction["valid_until"] in restriction["explanation"]
        assert restriction["valid_until"] in restriction["explanation_en"]
    held = shown["restrictions_held"]
    assert held >= shown["propagation"]["restrictions_written"]
    again = cli.run("demo").stdout  # nothing new to write: the total is still said
    assert f"the store now holds {held:,} restrictions" in " ".join(again.split())


def test_a_folder_without_input_files_is_no_load(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "people.csv").write_text("name\n张伟\n", encoding="utf-8")
    report = cli.json("load", str(folder), code=2)
    assert report["files"] == []
    (skipped,) = report["skipped"]
    assert skipped["path"].endswith("people.csv")
    assert "persons" in skipped["reason"]  # the names the loader expects
    text = cli.run("load", str(folder / "people.csv"), code=2)
    assert "skipped" in text.stderr
    assert "no input file found" in text.stderr


def test_a_file_whose_headers_name_no_column_is_refused(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "persons.csv").write_text(
        "full name,identity,来源\n张伟,11010519491231002X,x\n", encoding="utf-8"
    )
    report = cli.json("load", str(folder), code=2)
    assert report["files"] == []  # not a row was read as a person
    (refused,) = report["refused"]
    reason = refused["reason"]
    assert "recognised [来源]" in reason
    assert "unrecognised [full name, identity]" in reason
    assert "姓名" in reason  # what it expects
    assert not (folder / "quarantine").exists()
    assert cli.json("stats")["persons"] == 0


def test_a_load_that_quarantines_every_row_fails(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(
        "credit_code,name\nnot-a-code,乙公司\n", encoding="utf-8"
    )
    report = cli.json("load", str(folder), code=2)
    assert (report["files"][0]["read"], report["files"][0]["quarantined"]) == (1, 1)
    assert "every one of the 1 rows" in cli.run("load", str(folder), code=2).stderr


def test_old_quarantine_files_are_not_input(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(
        "credit_code,name\n91350100M000100Y43,甲公司\nnot-a-code,乙公司\n",
        encoding="utf-8",
    )
    cli.json("load", str(folder))  # leaves in/quarantine/enterprises.quarantine.csv
    elsewhere = tmp_path / "rejected"
    report = cli.json("load", str(folder), "--quarantine", str(elsewhere))
    assert [f["path"].rsplit("/", 1)[-1] for f in report["files"]] == [
        "enterprises.csv"
    ]
    assert report["files"][0]["read"] == 2  # the old quarantined row is not reread
    assert any(
        s["path"].endswith("enterprises.quarantine.csv") for s in report["skipped"]
    )
