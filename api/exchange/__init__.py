"""Exchange: the graph in the formats other systems read (docs/exchange.md).

The writers load only when used: ``api.exchange.formats.export`` writes a format,
``api.exchange.kinds.ExportFormat`` names them.
"""

from api.exchange.kinds import ExportFormat

__all__ = ["ExportFormat"]
