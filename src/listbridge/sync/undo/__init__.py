"""`runs undo`: revert what a push, import or lists run changed, consent excepted."""

from listbridge.sync.undo.job import COUNTS, preview_undo, run_undo
from listbridge.sync.undo.plan import Planned, UndoRequest, describe

__all__ = ["COUNTS", "Planned", "UndoRequest", "describe", "preview_undo", "run_undo"]
