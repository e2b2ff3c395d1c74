"""The ``credlink`` subcommands, one module per area; importing one registers it."""
