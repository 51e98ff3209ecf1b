"""Any CRM whose people are in SQL tables, described by a mapping file (`crm use sql`).

The mapping (TOML; docs/mapping-example.toml is the documented example) names the
accounts table or view and its key, the column of each account field, how values
translate, where change times are kept (else listbridge keeps fingerprints), the
optional groups and membership tables that are the CRM's lists, how new accounts get
their key, and `read_only`. model.py is the file's shape, parse.py reads it naming
lines, adapter.py and groups.py are the CrmWithLists port on it, check.py checks it
against the live database (`crm check`).
"""
