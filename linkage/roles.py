"""Roles stated by role records: what :func:`linkage.link_store.link_store` creates
for a record it files under a person (pure).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from graph.model import (
    Enterprise,
    Role,
    RoleType,
    SourceRecord,
)
from linkage.ids import (
    InvalidCreditCode,
    parse_credit_code,
)
from linkage.records import (
    parse_stated_date,
)

__all__ = [
    "RoleReader",
    "read_roles",
]

RoleReader = Callable[[SourceRecord, str], tuple[list[Role], list[Enterprise]]]
"""Reads the roles a role record states for a person, and the enterprise stubs they
need: ``(record, person_id) -> (roles, enterprises)``. Loaders know the role
vocabulary; :func:`read_roles` knows :class:`~graph.model.RoleType` values only."""


def read_roles(
    record: SourceRecord, person_id: str
) -> tuple[list[Role], list[Enterprise]]:
    """The roles of a role record whose ``role`` is a RoleType value (``director``).

    Records without a credit code or role, or with a role name outside
    :class:`~graph.model.RoleType`, state no role here.
    """
    raw = record.raw_dict()
    code, role = raw.get("credit_code", ""), raw.get("role", "").strip().lower()
    if not code or role not in _ROLE_VALUES:
        return [], []
    try:
        parsed = parse_credit_code(code)
    except InvalidCreditCode:
        return [], []
    since = parse_stated_date(raw.get("since", ""))
    until = parse_stated_date(raw.get("until", ""))
    roles = [
        Role(
            person_id,
            parsed.value,
            RoleType(role),
            since,
            until,
            record.source,
            record.record_id,
        )
    ]
    stub = Enterprise(
        parsed.value,
        raw.get("enterprise_name", ""),
        conforming=parsed.conforming,
        org_code=parsed.org_code,
    )
    return roles, [stub]


_ROLE_VALUES: Final = frozenset(r.value for r in RoleType)
