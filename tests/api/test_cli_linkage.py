"""``credlink link``, ``candidates``, ``judge``, ``undo``, ``explain``: both stores."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from api.masking import mask_id_number
from api.stores import open_store

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.conftest import Cli


def _loaded(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    cli.json(
        "generate", "--persons", "400", "--enterprises", "40", "--seed", "5",
        "--out", str(folder),
    )  # fmt: skip
    cli.json("load", str(folder))


def test_link_judge_explain_undo(cli: Cli, tmp_path: Path) -> None:
    _loaded(cli, tmp_path)
    first = cli.json("link")
    summary = first["summary"]
    assert summary["records"] == summary["resolved"] + summary["unresolved"]
    assert summary["unresolved"] > 0
    assert cli.json("link")["writes"] == 0  # nothing changed since

    queue = cli.json("candidates")
    assert queue
    assert all(c["rank"] <= 3 for c in queue)
    chosen = next(c for c in queue if "#" not in c["target"] and c["rank"] == 1)
    record, person = chosen["record_key"], chosen["target"]
    assert chosen["reasons"]

    spelled = f" {person[:6]} {person[6:14]} {person[14:].lower()}"
    judgement = cli.json("judge", record, spelled, "--same", "--by", "审核员")
    assert (judgement["a"], judgement["b"]) == (record, person)
    assert judgement["verdict"] == "same"
    assert cli.json("link")["moved"] == 1

    explained = cli.json(
        "explain", person.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    )
    assert record in {r["key"] for r in explained["records"]}
    assert "judgement" in explained["rules"]
    assert any(judgement["judgement_id"] in line for line in explained["evidence"])
    text = cli.run("explain", person).stdout
    assert record in text
    assert "{'" not in text  # fields, not Python dict reprs
    assert record not in {c["record_key"] for c in cli.json("candidates")}

    undone = cli.json("undo", judgement["judgement_id"], "--by", "复核员")
    assert undone["undone_by"] == "复核员"
    assert cli.json("link")["moved"] == 1
    assert record in {c["record_key"] for c in cli.json("candidates")}


def test_judge_needs_exactly_one_verdict_and_known_endpoints(
    cli: Cli, tmp_path: Path
) -> None:
    _loaded(cli, tmp_path)
    cli.json("link")
    queue = cli.json("candidates")
    record, target = queue[0]["record_key"], queue[0]["target"]
    cli.run("judge", record, target, "--by", "x", code=2)
    cli.run("judge", record, target, "--same", "--different", "--by", "x", code=2)
    cli.run("judge", "nowhere#1", target, "--same", "--by", "x", code=2)
    cli.run("explain", "11010519491231002X", code=1)  # no record held


def test_link_is_incremental_after_a_full_link(cli: Cli, tmp_path: Path) -> None:
    _loaded(cli, tmp_path)
    first = cli.json("link")
    assert first["mode"] == "full"  # never linked before
    assert first["considered"] == first["summary"]["records"]
    more = tmp_path / "more"
    cli.json(
        "generate", "--persons", "200", "--enterprises", "4", "--seed", "6",
        "--out", str(more),
    )  # fmt: skip
    cli.json("load", str(more))
    second = cli.json("link")
    assert second["mode"] == "incremental"
    assert 0 < second["pending"] <= second["considered"]
    assert cli.json("link")["pending"] == 0
    again = cli.json("link", "--full")
    assert again["mode"] == "full"
    assert again["writes"] == 0  # the incremental run left what a full run gives
    assert second["considered"] < again["considered"]  # not everything was read
    assert "incremental" in cli.run("link").stdout


def test_link_is_refused_while_another_link_holds_the_lease(cli: Cli) -> None:
    other = open_store(
        cli.location,
        user=cli.env.get("NEO4J_USER"),
        password=cli.env.get("NEO4J_PASSWORD"),
    )
    try:
        lease = other.acquire_link_lease("other-host:4242:cafe0001", timedelta(hours=1))
        refused = cli.run("link", code=1)
        message = " ".join(refused.stderr.split())  # as printed, maybe wrapped
        assert "refused:" in message
        assert "other-host:4242:cafe0001" in message
        assert lease.since.isoformat(timespec="seconds") in message
        assert other.link_lease() == lease  # the refused run left it alone
        other.release_link_lease(lease.holder)
    finally:
        other.close()
    assert cli.json("link")["mode"] == "full"


def test_candidates_page_with_full_keys_names_and_masked_numbers(
    cli: Cli, tmp_path: Path
) -> None:
    _loaded(cli, tmp_path)
    cli.json("link")
    everything = cli.json("candidates")
    records = list(dict.fromkeys(c["record_key"] for c in everything))
    assert len(records) > 2
    first = cli.json("candidates", "--limit", "2")
    assert list(dict.fromkeys(c["record_key"] for c in first)) == records[:2]
    second = cli.json("candidates", "--limit", "2", "--page", "2")
    assert list(dict.fromkeys(c["record_key"] for c in second)) == records[2:4]
    person = next(c for c in everything if "#" not in c["target"])
    assert person["target_name"]
    assert "#" in person["target_record"]  # judge takes it without the number
    table = cli.run("candidates", "--limit", "2").stdout
    for key in records[:2]:
        assert key in table  # whole, never cut
    assert records[2] not in table
    assert "--page 2" in table
    numbers = {c["target"] for c in everything if "#" not in c["target"]}
    shown = cli.run("candidates", "--limit", str(len(records))).stdout
    assert not any(number in shown for number in numbers)  # masked
    assert any(mask_id_number(number) in shown for number in numbers)
