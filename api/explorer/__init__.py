"""The web explorer at ``/ui``: its static assets (``explorer/`` at the repository
root, Cytoscape.js from npm) and the routes only it needs (the caller's session,
saved cases)."""

from api.explorer.assets import install_explorer
from api.explorer.routes import router

__all__ = ["install_explorer", "router"]
