"""`crm check`: the CRM a connection syncs, checked against its live database.

report.py holds what every check returns; each kind of CRM has its own checks (the
presets' tables here, a mapping file's lines in crm/sqlmap/check.py).
"""
