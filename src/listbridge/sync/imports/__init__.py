"""`listbridge import`: Constant Contact contacts into the CRM (entry points; see job.py)."""

from listbridge.sync.imports.job import ImportRequest, ImportResult, import_step, run_import

__all__ = ["ImportRequest", "ImportResult", "import_step", "run_import"]
