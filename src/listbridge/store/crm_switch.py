"""`crm use`: a connection switched to another CRM, and what it forgets then.

What listbridge matched against a CRM names that CRM's account ids and lists: the links,
the Constant Contact lists' pairings with CRM lists, the list-sync bases, the import's
cursors and reconsidered contacts, a push's activity memos. Against another CRM they
would point at the wrong people, so a switch forgets them, in the transaction that
records the new choice and under the connection's lock (a job running meanwhile would
write them back). Links and pairings are the administrator's work: while there are any,
a switch is refused unless forced. Naming the same CRM again (a new password, say)
forgets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from listbridge.core.errors import NotConnectedError, UserError
from listbridge.store.crm_choice import CrmChoice, CrmKind, put_crm_choice
from listbridge.store.db import Store
from listbridge.store.disconnect import unmirror_links
from listbridge.store.locks import connection_lock, holder_here
from listbridge.store.models import Base, CcLink, CcListMirror, Connection, CrmChoiceRow
from listbridge.store.secretbox import SecretBox, secret_box

HOLDER = "crm use"
#: what a switch deletes of the connection's rows (the pairings on cc_lists are cleared)
FORGOTTEN = (
    "cc_links",
    "list_sync_members",
    "import_cursors",
    "import_pending",
    "push_activities",
    "crm_fingerprints",
)
#: `cc_lists.rule_kind` of a list bound to a CRM list by name (sync/lists/sides.py)
CRM_LIST_RULE = "crm_list"


@dataclass(frozen=True)
class Switch:
    before: CrmChoice
    after: CrmChoice
    #: links and list pairings forgotten (with the bases, cursors and memos that go too)
    links_forgotten: int = 0
    pairings_forgotten: int = 0


def switch_crm(store: Store, connection_id: int, choice: CrmChoice, *, force: bool) -> Switch:
    """Make `choice` the connection's CRM (see the module); LockHeldError while a job runs,
    UserError when links or pairings would be lost and `force` is not given."""
    box = secret_box(store)
    with (
        connection_lock(store, connection_id, holder_here(HOLDER)),
        store.session() as session,
    ):
        before = _stored(session, box, connection_id)
        if before is not None and before.same_crm(choice):
            put_crm_choice(session, box, connection_id, choice)
            return Switch(before, choice)
        links, paired = _matched(session, connection_id)
        if (links or paired) and not force:
            connection = session.get(Connection, connection_id)
            name = connection.name if connection else str(connection_id)
            raise UserError(_refusal(name, before, choice, links, paired))
        _forget(session, connection_id)
        put_crm_choice(session, box, connection_id, choice)
    return Switch(before or CrmChoice(), choice, links, paired)


def _stored(session: Session, box: SecretBox, connection_id: int) -> CrmChoice | None:
    """The choice before, None when its URL cannot be decrypted (a lost key)."""
    row = session.get(CrmChoiceRow, connection_id)
    if row is None:
        return CrmChoice()
    if row.url_encrypted is None:
        return CrmChoice(CrmKind(row.kind))
    try:
        return CrmChoice(CrmKind(row.kind), box.decrypt(row.url_encrypted))
    except NotConnectedError:
        return None


def _matched(session: Session, connection_id: int) -> tuple[int, int]:
    """How many links, and how many CC lists paired with (or bound to) a CRM list."""
    links = session.scalar(
        select(func.count()).select_from(CcLink).where(CcLink.connection_id == connection_id)
    )
    lists = CcListMirror
    paired = session.scalar(
        select(func.count())
        .select_from(lists)
        .where(lists.connection_id == connection_id)
        .where(
            or_(
                lists.crm_list_key.is_not(None),
                lists.synced_name != "",
                lists.rule_kind == CRM_LIST_RULE,
            )
        )
    )
    return int(links or 0), int(paired or 0)


def _refusal(name: str, before: CrmChoice | None, after: CrmChoice, links: int, paired: int) -> str:
    old = before.describe() if before is not None else "its CRM (its URL cannot be decrypted)"
    return (
        f"connection {name!r} has {links} link(s) to accounts of {old} and {paired} "
        f"Constant Contact list(s) paired with its lists; against {after.describe()} they "
        "would point at the wrong accounts. Run `listbridge disconnect` first, or pass "
        "--force to forget them (links, list pairings, list-sync bases, import cursors) "
        "so that the next import and push match afresh"
    )


def _forget(session: Session, connection_id: int) -> None:
    unmirror_links(session, connection_id)  # the builtin CRM's copy of each link
    for name in FORGOTTEN:
        table = Base.metadata.tables[name]
        session.execute(delete(table).where(table.c.connection_id == connection_id))
    lists = CcListMirror
    mine = lists.connection_id == connection_id
    session.execute(update(lists).where(mine).values(crm_list_key=None, synced_name=""))
    # A binding by CRM list name names the old CRM's list; a `where` rule reads any CRM.
    session.execute(
        update(lists).where(mine, lists.rule_kind == CRM_LIST_RULE).values(rule_kind="", rule="")
    )
