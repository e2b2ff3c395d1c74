"""Exchange: the graph in the formats other systems read (docs/exchange.md)."""

from api.exchange.formats import ExportFormat, export
from api.exchange.population import Population
from api.exchange.views import ExportView

__all__ = ["ExportFormat", "ExportView", "Population", "export"]
