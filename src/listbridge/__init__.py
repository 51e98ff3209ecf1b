"""listbridge keeps a CRM and a Constant Contact account in step."""

__version__ = "0.1.0"
