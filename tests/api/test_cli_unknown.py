"""Unknown is never clean: a person or enterprise the store holds no record of is a
stated outcome with exit 1 in every command, on both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.masking import mask_id_number
from tests.api.test_cli_sanctions import ALICE, OTHER, _seed
from tests.factories import credit_code, resident_id

if TYPE_CHECKING:
    from tests.api.conftest import Cli

STRANGER = resident_id(77)


def test_restrictions_of_an_unknown_person_say_no_record_held(cli: Cli) -> None:
    _seed(cli)
    answer = cli.json("restrictions", STRANGER, "--on", "2024-01-01", code=1)
    assert (answer["person_id"], answer["person_known"]) == (STRANGER, False)
    assert answer["restrictions"] == []
    text = cli.run("restrictions", STRANGER, code=1).stdout
    assert "no record held" in text
    assert mask_id_number(STRANGER) in text
    assert STRANGER not in text
    known = cli.json("restrictions", ALICE, "--on", "2030-01-01")
    assert (known["person_known"], known["restrictions"]) == (True, [])
    assert "no restriction in force" in cli.run("restrictions", ALICE, "--on",
                                                "2030-01-01").stdout  # fmt: skip


def test_check_of_an_unknown_person_is_no_clearance(cli: Cli) -> None:
    _seed(cli)
    args = ["check", "--person", STRANGER, "--role", "director", "--enterprise", OTHER]
    answer = cli.json(*args, "--on", "2024-01-01", code=1)
    assert answer["person_known"] is False
    assert answer["outcome"] == "no_record_held"
    text = cli.run(*args, code=1).stdout
    assert "no record held" in text
    assert "allowed" not in text


def test_explain_related_people_connections_share_the_outcome(cli: Cli) -> None:
    _seed(cli)
    for command in ("explain", "related"):
        assert "no record held" in cli.run(command, STRANGER, code=1).stdout
        answer = cli.json(command, STRANGER, code=1)
        assert (answer["person_id"], answer["person_known"]) == (STRANGER, False)
    unknown_code = credit_code(55)
    people = cli.json("people", unknown_code, code=1)
    assert (people["credit_code"], people["enterprise_known"]) == (unknown_code, False)
    assert "no record held" in cli.run("connections", ALICE, STRANGER, code=1).stdout
