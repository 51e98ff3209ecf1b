"""`listbridge import`: Constant Contact contacts into the CRM (entry points; see job.py)."""

from listbridge.sync.imports.dry_run import ImportPreview, PlannedRecord, preview_import, preview_in
from listbridge.sync.imports.job import ImportRequest, ImportResult, import_step, run_import

__all__ = ["ImportPreview", "ImportRequest", "ImportResult", "PlannedRecord", "import_step",
           "preview_import", "preview_in", "run_import"]  # fmt: skip
