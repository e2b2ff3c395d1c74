"""The export formats, and the one function that runs an export of any of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.exchange.ftm import export_ftm
from api.exchange.graphml import export_graphml
from api.exchange.kinds import ExportFormat
from api.exchange.neo4j_csv import export_neo4j_csv
from api.exchange.population import Population
from api.exchange.views import ExportView
from api.exchange.xlsx import export_xlsx

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date
    from pathlib import Path

    from api.routes.views import View
    from graph.store import GraphStore


def export(
    store: GraphStore,
    fmt: ExportFormat,
    out: Path,
    *,
    view: View,
    on: date | None = None,
    tick: Callable[[str], None] | None = None,
) -> int:
    """Export the graph of ``store`` (as of ``on``) in ``fmt`` to ``out``, seen
    through ``view``; returns how many entities, rows or elements were written.

    ``view`` is the one place the audience is chosen: every format masks through
    ``ExportView``. ``tick`` is called with the kind of each entity read.
    """
    population = Population(store, on=on, tick=tick)
    shown = ExportView(view)
    if fmt is ExportFormat.FTM:
        return export_ftm(population, shown, out)
    if fmt is ExportFormat.GRAPHML:
        return export_graphml(population, shown, out)
    if fmt is ExportFormat.NEO4J_CSV:
        counts = export_neo4j_csv(population, shown, out).counts
        return (
            counts.persons
            + counts.enterprises
            + counts.roles
            + 2 * counts.sanctions  # a node and its AGAINST edge
            + counts.source_records
        )
    return sum(export_xlsx(population, shown, out).values())
