"""Offline OSV: load an advisory database, match versions, serve the OSV query API.

Also home of the dependency-audit helpers the ``dependencies`` gate uses (pip-audit runs,
requirement locations, advisory severities).
"""

from gates.osv.index import Advisory, AdvisoryIndex
from gates.osv.loader import AdvisoryDbError, LoadedDatabase, load_database
from gates.osv.server import OsvApi, RunningMirror
from gates.osv.snapshot import SnapshotInfo

__all__ = ["Advisory", "AdvisoryDbError", "AdvisoryIndex", "LoadedDatabase", "OsvApi", "RunningMirror",
           "SnapshotInfo", "load_database"]
