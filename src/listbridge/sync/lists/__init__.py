"""`listbridge lists …`: lists on both sides, administered and kept the same (entry points).

admin.py creates, renames, deletes, hides and binds; members.py adds and removes
accounts; sync.py is the three-way list sync; overview.py is what `lists ls` shows,
roster.py what `lists members` shows.
"""

from listbridge.sync.lists.admin import (
    ListAction,
    bind_list,
    create_list,
    delete_list,
    hide_list,
    rename_list,
)
from listbridge.sync.lists.members import add_members, remove_members
from listbridge.sync.lists.overview import ListOverview, list_overview
from listbridge.sync.lists.result import ListSyncResult
from listbridge.sync.lists.roster import list_roster
from listbridge.sync.lists.sync import ListSyncRequest, finish, sync_in, sync_lists

__all__ = ["ListAction", "ListOverview", "ListSyncRequest", "ListSyncResult",
           "add_members", "bind_list", "create_list", "delete_list", "finish", "hide_list",
           "list_overview", "list_roster", "remove_members", "rename_list", "sync_in",
           "sync_lists"]  # fmt: skip
