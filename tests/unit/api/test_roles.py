"""The roles file: validated with errors naming file and line; deny by default."""

from __future__ import annotations

import pytest

from api.access.roles import RoleView, load_roles, parse_roles
from graph.errors import PolicyError

_BASE = """
[actions]
"person.lookup" = { personal = true }
"enterprise.read" = { personal = false }

[purposes]
case = "执法检查"

[roles.reader]
view = "full"
actions = ["person.lookup"]
purposes = ["case"]
requests_per_minute = 10
persons_per_hour = 10
"""


def test_the_shipped_roles_file_holds_the_roles_the_issue_names() -> None:
    policy = load_roles()
    assert set(policy.roles) == {
        "public", "investigator", "sanctions_officer", "appointment_checker",
        "auditor", "admin", "department", "authorised_party", "exchange_partner",
        "citizen",
    }  # fmt: skip
    citizen = policy.roles["citizen"]
    assert citizen.own_file  # each key bound to one person
    assert not any(spec.own_file for name, spec in policy.roles.items()
                   if name != "citizen")  # fmt: skip
    assert policy.roles["public"].view is RoleView.MASKED
    assert policy.roles["appointment_checker"].actions == {
        "appointment.check",
        "session.read",
    }
    investigator = policy.roles["investigator"]
    officer = policy.roles["sanctions_officer"]
    assert investigator.actions < officer.actions
    assert set(officer.actions - investigator.actions) == {
        "sanction.repair", "sanction.object", "sanction.decide", "sanction.correct",
        "authorisation.grant", "authorisation.revoke", "requests.open",
        "requests.review",
    }  # fmt: skip
    assert investigator.purpose("执法检查") is not None
    assert investigator.purpose("干部选拔任职") is None
    assert policy.roles["appointment_checker"].purpose("企业高管任职审查") is not None
    for role in ("auditor", "admin"):  # no personal files
        assert not policy.roles[role].actions & {
            "person.lookup", "person.related", "person.restrictions",
            "appointment.check", "sanction.trace", "enterprise.people",
            "report.read", "report.authorised", "score.read",
        }  # fmt: skip


def test_an_action_the_file_does_not_list_is_denied_to_every_role() -> None:
    policy = parse_roles(_BASE, "roles.toml")
    assert policy.allows("reader", "person.lookup")
    assert not policy.allows("reader", "enterprise.read")  # listed, not the role's
    assert not policy.allows("reader", "person.erase")  # listed nowhere
    assert not policy.allows("nobody", "person.lookup")


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (('actions = ["person.lookup"]', 'actions = ["person.erase"]'), 11,
         "'person.erase'"),
        (('purposes = ["case"]', 'purposes = ["fun"]'), 12, "'fun'"),
        (('view = "full"', 'view = "everything"'), 10, "view"),
        (("requests_per_minute = 10", "requests_per_minute = 0"), 13,
         "greater than or equal to 1"),
        (("persons_per_hour = 10", "persons_per_hour = 10\nwho = 1"), 15, "who"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_field(
    edit: tuple[str, str], line: int, message: str
) -> None:
    text = _BASE.replace(*edit)
    with pytest.raises(PolicyError, match=rf"^roles\.toml:{line}: .*{message}"):
        parse_roles(text, "roles.toml")


def test_invalid_toml_names_the_line() -> None:
    with pytest.raises(PolicyError, match=r"^roles\.toml:3: invalid TOML"):
        parse_roles("[actions]\n\nbroken = \n", "roles.toml")
