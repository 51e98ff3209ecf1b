"""Planning a linked list's name, pure: renames and deletions of the list itself.

`plan_list_names(names, direction)` compares each side's name with the name both had after
the last sync (`synced_name`, "" when never synced):

- a rename on one side is copied to the other, in the directions that write that side;
- both renamed differently since the last sync: Constant Contact's name wins (it is what
  subscribers see), reported as a conflict; a direction that does not write the CRM side
  renames nothing;
- a list deleted on one side is deleted on the other when the direction writes that side;
  a deletion beats a rename on the other side (reported as a conflict). A CC list deleted
  under `crm_to_cc` (or a CRM list gone under `cc_to_crm`) is not re-created here: the
  decision is empty and the caller reports the deletion;
- never synced: equal names need nothing, else the direction's source name wins
  (Constant Contact's under `both`), not reported as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from listbridge.core.list_plan import Direction


@dataclass(frozen=True)
class ListNames:
    #: None: the list was deleted in Constant Contact
    cc_name: str | None
    #: None: the CRM list is gone
    crm_name: str | None
    #: the name both sides had after the last sync ("" never synced)
    synced_name: str = ""


@dataclass(frozen=True)
class NameDecision:
    rename_cc_to: str | None = None
    rename_crm_to: str | None = None
    delete_cc: bool = False
    delete_crm: bool = False
    #: a sentence for the report when the two sides disagreed
    conflict: str | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.rename_cc_to is None
            and self.rename_crm_to is None
            and not self.delete_cc
            and not self.delete_crm
            and self.conflict is None
        )


NOTHING = NameDecision()
CC_WINS = "Constant Contact's name wins"


def plan_list_names(names: ListNames, direction: Direction) -> NameDecision:
    cc, crm, synced = names.cc_name, names.crm_name, names.synced_name
    if cc is None or crm is None:
        return _deleted(cc, crm, synced, direction)
    if cc == crm:
        return NOTHING
    if not synced:
        return _source_wins(cc, crm, direction)
    cc_renamed, crm_renamed = cc != synced, crm != synced
    if cc_renamed and crm_renamed:
        conflict = (
            f"the list '{synced}' was renamed to '{cc}' in Constant Contact and to '{crm}'"
            f" in the CRM since the last sync: {CC_WINS}"
        )
        rename = cc if direction.writes_crm else None
        return NameDecision(rename_crm_to=rename, conflict=conflict)
    if cc_renamed:
        return NameDecision(rename_crm_to=cc) if direction.writes_crm else NOTHING
    return NameDecision(rename_cc_to=crm) if direction.writes_cc else NOTHING


def _source_wins(cc: str, crm: str, direction: Direction) -> NameDecision:
    if direction is Direction.CRM_TO_CC:
        return NameDecision(rename_cc_to=crm)
    return NameDecision(rename_crm_to=cc)


def _deleted(cc: str | None, crm: str | None, synced: str, direction: Direction) -> NameDecision:
    if cc is None and crm is None:
        return NOTHING
    if cc is None:
        if not direction.writes_crm:
            return NOTHING
        return NameDecision(
            delete_crm=True, conflict=_beats(crm, synced, "the CRM", "Constant Contact")
        )
    if not direction.writes_cc:
        return NOTHING
    return NameDecision(delete_cc=True, conflict=_beats(cc, synced, "Constant Contact", "the CRM"))


def _beats(name: str | None, synced: str, renamed_in: str, deleted_in: str) -> str | None:
    """The conflict sentence when the surviving side was renamed since the last sync."""
    if not synced or name == synced:
        return None
    return (
        f"the list '{synced}' was renamed to '{name}' in {renamed_in} and deleted in"
        f" {deleted_in} since the last sync: the deletion wins"
    )
