"""Former home of identity resolution, kept so that existing imports still work.

Resolution was split by responsibility (``docs/linkage.md`` lists the modules):
:mod:`linkage.resolver` (the pure resolver), :mod:`linkage.typos` (typo keys),
:mod:`linkage.roles` (roles a record states), :mod:`linkage.gather` (what a link
reads from a store), :mod:`linkage.writeback` (what it writes),
:mod:`linkage.lease` (one link at a time) and :mod:`linkage.link_store` (the run).
New code imports from those modules.
"""

from linkage.enterprises import EnterpriseIndex
from linkage.gather import Neighbourhood, gather
from linkage.lease import LINK_LEASE_TTL
from linkage.link_store import LinkMode, LinkReport, LinkStep, link_store
from linkage.resolver import (
    Identity,
    Resolution,
    ResolutionSummary,
    Resolver,
    resolve,
    surrogate_key,
)
from linkage.roles import RoleReader, read_roles
from linkage.typos import typo_key, typo_lookups

__all__ = [
    "LINK_LEASE_TTL",
    "EnterpriseIndex",
    "Identity",
    "LinkMode",
    "LinkReport",
    "LinkStep",
    "Neighbourhood",
    "Resolution",
    "ResolutionSummary",
    "Resolver",
    "RoleReader",
    "gather",
    "link_store",
    "read_roles",
    "resolve",
    "surrogate_key",
    "typo_key",
    "typo_lookups",
]
