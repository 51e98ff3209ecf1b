"""Whether a CRM can hold organisation accounts, which `import.link_companies` makes.

Not every CRM syncs them: Vtiger's organisations are its Organizations module, which
listbridge does not sync (a contact's company_name links it to one there, by name), and
a mapped SQL CRM whose mapping has no `type` column would read an organisation back as a
person. Answered here, by the adapter, so that the jobs never look at one.
"""

from __future__ import annotations

from listbridge.crm.protocol import CrmAdapter
from listbridge.crm.sqlmap.adapter import SqlCrm
from listbridge.crm.vtiger.adapter import VtigerCrm
from listbridge.crm.vtiger.checks import ORGANISATIONS


def organisations_refused(crm: CrmAdapter) -> str | None:
    """Why the CRM cannot hold organisation accounts, naming it; None when it can."""
    if isinstance(crm, VtigerCrm):
        return f"the Vtiger CRM cannot hold organisation accounts ({ORGANISATIONS})"
    if isinstance(crm, SqlCrm) and "type" not in crm.file.mapping.accounts.columns:
        return (
            "the mapped SQL CRM cannot hold organisation accounts (its mapping maps no "
            "`type` column, so an organisation would read back as a person)"
        )
    return None
