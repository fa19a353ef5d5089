"""The gates: one module each, registered in :mod:`gates.plugins.registry`."""
