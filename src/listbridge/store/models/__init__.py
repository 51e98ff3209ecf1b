"""The tables of the state store, one module per subject. Every table is scoped by connection,
but the web admin's users, groups and sessions (users.py): those are per install.

The schema itself is created by Alembic migrations (store/migrations); these models
must match them, which tests/integration/test_store_schema.py checks. Importing this
package imports every module, so `Base.metadata` always holds every table; import a
model from here (`from listbridge.store.models import CcLink`).
"""

from __future__ import annotations

from listbridge.store.models.base import Base
from listbridge.store.models.campaigns import CampaignEvent, CcCampaign
from listbridge.store.models.connections import ApiBudget, CcAccount, Connection, Setting
from listbridge.store.models.crm import CrmAccount, CrmCustomField, CrmCustomValue
from listbridge.store.models.crm_choices import CrmChoiceRow, CrmFingerprint
from listbridge.store.models.imports import ImportCursor, ImportPending
from listbridge.store.models.job_queue import QueuedJob
from listbridge.store.models.links import CcLink
from listbridge.store.models.lists import CcListMirror, CrmList, CrmListMember, ListSyncMember
from listbridge.store.models.push import PushActivity
from listbridge.store.models.runs import JournalEntry, Lock, Run, RunError
from listbridge.store.models.users import (
    WebGroup,
    WebGroupMember,
    WebGroupPermission,
    WebLoginFailure,
    WebPreference,
    WebSession,
    WebSignupToken,
    WebUser,
)

__all__ = [
    "ApiBudget",
    "Base",
    "CampaignEvent",
    "CcAccount",
    "CcCampaign",
    "CcLink",
    "CcListMirror",
    "Connection",
    "CrmAccount",
    "CrmChoiceRow",
    "CrmCustomField",
    "CrmCustomValue",
    "CrmFingerprint",
    "CrmList",
    "CrmListMember",
    "ImportCursor",
    "ImportPending",
    "JournalEntry",
    "ListSyncMember",
    "Lock",
    "PushActivity",
    "QueuedJob",
    "Run",
    "RunError",
    "Setting",
    "WebGroup",
    "WebGroupMember",
    "WebGroupPermission",
    "WebLoginFailure",
    "WebPreference",
    "WebSession",
    "WebSignupToken",
    "WebUser",
]
