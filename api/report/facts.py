"""Gathering a report's facts: the store and the audit log, read once per report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.audit.review import who_queried
from api.report.builder import ReportFacts, RequestFacts, SanctionFacts
from graph import enforcement
from graph.errors import EntityNotFoundError
from graph.incentives import SanctionRecord, assess
from graph.model import EntityKind
from graph.person_requests import request_state
from graph.policy.incentives import configured_incentives

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from api.audit.log import AuditEntry
    from graph.model import Sanction
    from graph.policy.catalogue import Catalogue
    from graph.policy.incentives import IncentivesCatalogue
    from graph.store import GraphStore


def gather_facts(
    store: GraphStore,
    catalogue: Catalogue,
    audit_entries: Iterable[AuditEntry],
    person_id: str,
    on: date,
    *,
    report_id: str,
    generated_at: str,
    incentives: IncentivesCatalogue | None = None,
) -> ReportFacts:
    """Everything the person's report on ``on`` says, read from the store and log.

    The sanctions are those against the person and those that ever reached them
    through a role (repaired or expired ones included, for the repair history);
    each carries the rule of its decision date. The good records are assessed on
    ``on`` against those sanctions (``incentives``: default the configured
    catalogue). The person's own objections and
    statements filed by ``on`` carry their status on ``on``. Raises
    EntityNotFoundError for a person the store does not hold.
    """
    person = store.get_person(person_id)
    if person is None:
        raise EntityNotFoundError("person", person_id)
    restrictions = enforcement.restrictions_on(store, catalogue, person_id, on)
    wanted: dict[str, Sanction] = {
        s.sanction_id: s for s in store.sanctions_against(EntityKind.PERSON, person_id)
    }
    for fact in store.restriction_facts(person_id=person_id):
        if fact.sanction_id not in wanted:
            found = store.get_sanction(fact.sanction_id)
            if found is not None:
                wanted[fact.sanction_id] = found
    requests = tuple(
        RequestFacts(
            request=r,
            state=request_state(r, store.sanction_events(r.sanction_id), on),
        )
        for r in store.person_requests(person_id)
        if r.filed_on <= on
    )
    sanctions = tuple(
        SanctionFacts(
            sanction=s,
            rule=catalogue.rule(s.type, s.decided_on),
            events=tuple(store.sanction_events(s.sanction_id)),
        )
        for key, s in sorted(wanted.items())
        if catalogue.get(s.type) is not None
    )
    good_records = assess(
        store.commendations_of(EntityKind.PERSON, person_id),
        [SanctionRecord(s.sanction, s.rule, s.events) for s in sanctions],
        incentives or configured_incentives(),
        on,
    )
    return ReportFacts(
        person=person,
        on=on,
        report_id=report_id,
        generated_at=generated_at,
        sanctions=sanctions,
        restrictions=tuple(restrictions),
        roles=tuple(store.neighbours(EntityKind.PERSON, person_id)),
        requests=requests,
        queries=tuple(who_queried(audit_entries, person_id)),
        good_records=tuple(good_records),
        catalogue_source=catalogue.source,
    )
