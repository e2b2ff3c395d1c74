"""Exchange: the graph in the formats other systems read (docs/exchange.md)."""

from api.exchange.neo4j_csv import export_neo4j_csv
from api.exchange.population import Population
from api.exchange.views import ExportView

__all__ = ["ExportView", "Population", "export_neo4j_csv"]
