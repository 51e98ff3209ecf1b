"""`crm check`: the CRM a connection syncs, checked against its live database.

run.py picks the check by the connection's kind of CRM: builtin.py (listbridge's own
tables: its migrations), presets.py for CiviCRM and Vtiger (structure.py compares the
adapter's declared tables with the database's, kinds.py their types, samples.py reads
the values it translates in a sample of rows, civicrm.py, vtiger.py and vtiger_ids.py
what only that CRM needs), and a mapping file's lines in crm/sqlmap/check.py. Each
returns report.py's CheckReport: what was found as expected, and every Problem.
"""
