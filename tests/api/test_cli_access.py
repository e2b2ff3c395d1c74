"""``credlink keys`` and ``credlink audit`` through the real command, on both
stores (keys and checkpoints live in the store)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from api.access.apikeys import check_key
from graph.embedded_store import EmbeddedStore
from tests.factories import make_enterprise, make_person, make_role, resident_id

if TYPE_CHECKING:
    from tests.api.conftest import Cli


def _seed(cli: Cli) -> None:
    cli.run("init")
    if cli.location.startswith(("bolt://", "neo4j://")):
        from api.stores import open_store

        store = open_store(cli.location, password=cli.env.get("NEO4J_PASSWORD"))
    else:
        store = EmbeddedStore(cli.location)
    try:
        store.upsert_persons([make_person(), make_person(person_id=resident_id(2))])
        store.upsert_enterprises([make_enterprise()])
        store.upsert_roles([make_role(), make_role(person_id=resident_id(2))])
    finally:
        store.close()


def test_keys_are_made_listed_revoked_and_rotated(cli: Cli) -> None:
    cli.run("init")
    made = cli.json("keys", "create", "--role", "investigator", "--name", "调查组",
                    "--expires", "30")  # fmt: skip
    assert made["key"].startswith("clk_")
    assert (made["role"], made["name"], made["usable"]) == (
        "investigator",
        "调查组",
        True,
    )
    listed = cli.json("keys", "list")
    assert [k["key_id"] for k in listed] == [made["key_id"]]
    assert "key" not in listed[0]
    assert made["key"] not in cli.run("keys", "list").stdout
    rotated = cli.json("keys", "rotate", made["key_id"])
    assert rotated["key_id"] != made["key_id"]
    assert rotated["expires_at"] is not None
    states = {k["key_id"]: k["usable"] for k in cli.json("keys", "list")}
    assert states == {made["key_id"]: False, rotated["key_id"]: True}
    revoked = cli.json("keys", "revoke", rotated["key_id"])
    assert revoked["usable"] is False
    assert (
        "unknown role"
        in cli.run("keys", "create", "--role", "emperor", "--name", "x", code=2).stderr
    )
    assert "no API key" in cli.run("keys", "revoke", "nosuchkey0", code=2).stderr


def test_the_stored_hash_checks_the_key_and_nothing_else(cli: Cli) -> None:
    cli.run("init")
    made = cli.json("keys", "create", "--role", "auditor", "--name", "审计")
    store = EmbeddedStore(cli.location) if "://" not in cli.location else None
    if store is not None:
        stored = store.get_api_key(made["key_id"])
        store.close()
        assert stored is not None
        assert made["key"] not in stored.secret_hash
        assert check_key(made["key"], stored)
        other = "B" if made["key"].endswith("A") else "A"
        assert not check_key(made["key"][:-1] + other, stored)


def test_audit_commands(cli: Cli) -> None:
    _seed(cli)
    who = ("--as", "调查组 3", "--purpose", "执法检查")
    cli.run(*who, "related", resident_id(1))
    cli.run(*who, "people", make_enterprise().credit_code)
    head = cli.json("audit", "head")
    assert head["seq"] == 2
    verified = cli.json("audit", "verify")
    assert (verified["ok"], verified["entries"], verified["head"]) == (
        True, 2, head["head"]
    )  # fmt: skip
    assert verified["checkpoints"] == 1  # `audit head` anchored it in the store
    queried = cli.json("audit", "who-queried", resident_id(2))
    assert [q["action"] for q in queried["queries"]] == [
        "person.related", "enterprise.people"
    ]  # fmt: skip
    assert {q["key_name"] for q in queried["queries"]} == {"调查组 3"}
    review = cli.json("audit", "review", "--since", "2000-01-01")
    assert [(k["requests"], k["persons"]) for k in review["keys"]] == [(2, 2)]
    table = cli.run("audit", "who-queried", resident_id(2)).stdout
    assert resident_id(2) not in table
    # an edited entry: verify exits 1 and names it
    lines = cli.audit_log.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = json.loads(lines[0])
    entry["purpose"] = "好奇"
    lines[0] = json.dumps(entry, ensure_ascii=False) + "\n"
    cli.audit_log.write_text("".join(lines), encoding="utf-8")
    bad = cli.json("audit", "verify", code=1)
    assert (bad["ok"], bad["first_bad"]) == (False, 1)
    assert "edited" in bad["problem"]
