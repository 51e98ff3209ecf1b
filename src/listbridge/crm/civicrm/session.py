"""The two databases a CiviCRM write touches, CiviCRM's and listbridge's journal, as
every CRM held in its own SQL database has them (crm/sql_session.py): a write runs in one
CiviCRM transaction with its journal entries in a state store session opened around it,
and the CiviCRM transaction commits first, then the journal."""

from __future__ import annotations

from listbridge.crm.sql_session import Clock, CrmTransactions

#: what `CiviCrm` and its lists share
Transactions = CrmTransactions

__all__ = ["Clock", "Transactions"]
