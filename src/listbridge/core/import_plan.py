"""Planning an import: every contact gets exactly one decision, and each decision its reason.

`plan_import(contacts, index, policy)` is pure: it reads the contacts and the match
index (and claims in the index the links it plans, so later batches see them) and
returns a `Plan` of `Create | Link | Skip`. The job applies the plan as it is; it
never decides on its own whether to link, create or set an opt-out.

With `import.link_companies`, the plan also ties each person it writes a company name
for to an organisation account of that name (core/companies.py): the organisations the
run knows (the CRM's, read once by the job, and those planned before) first, a new one
only for a company never met, so that one company never gets two.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from listbridge.core.accounts import Account, AccountType
from listbridge.core.cc_records import CcContact
from listbridge.core.companies import Companies, company_key
from listbridge.core.contact_fields import crm_fields, storable, unstorable_fields
from listbridge.core.emails import match_key
from listbridge.core.matching import Match, MatchIndex, MatchKind
from listbridge.core.setting_values import AmbiguousMatch, UpdateFields

ORIGIN_CATEGORY = "API"
ORIGIN_DETAIL = "Constant Contact"
# Cheap on purpose (planning must reach 50,000 contacts/s): one @, a dot in the domain,
# no spaces, no NUL. CC itself validated the address; this catches what slipped through.
_EMAIL = re.compile(r"[^@\s\x00]+@[^@\s\x00]+\.[^@\s.\x00]+")


class Reason(Enum):
    """Why a contact got its decision, in words the error report and journal show."""

    ALREADY_LINKED = "linked to this CRM account by an earlier import"
    EMAIL_MATCH = "one CRM account has this e-mail address"
    NAME_MATCH = "several CRM accounts have this e-mail address; one also has the same name"
    AMBIGUOUS_LINKED = "several CRM accounts match and import.ambiguous_match is link"
    AMBIGUOUS_CREATED = "several CRM accounts match and import.ambiguous_match is new"
    NO_MATCH = "no CRM account has this e-mail address"
    AMBIGUOUS_IGNORED = "several CRM accounts match and import.ambiguous_match is ignore"
    ACCOUNT_TAKEN = "the CRM account with this e-mail is already linked to another contact"
    UNSUBSCRIBED_NO_ACCOUNT = (
        "unsubscribed in Constant Contact and not in the CRM: opted-out people are not brought in"
    )
    DELETED_NO_ACCOUNT = "deleted in Constant Contact and not in the CRM"
    ROLE_ADDRESS = "a role address (info@, sales@, …), not a person"
    INVALID_EMAIL = "the e-mail address is missing or not valid"
    UNSTORABLE_VALUE = "a field holds a NUL character (byte 0), which the CRM cannot store"
    CC_UNSUBSCRIBED = "unsubscribed in Constant Contact and unsubscribe.cc_to_crm is true"
    CRM_READ_ONLY = "the CRM is read-only for listbridge (read_only = true in its mapping)"
    CRM_REFUSED = "the CRM cannot keep it as given"

    @property
    def message(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class Policy:
    """The settings an import plans with (read once, at the job's start)."""

    ambiguous: AmbiguousMatch = AmbiguousMatch.IGNORE
    update_fields: UpdateFields = UpdateFields.NONE
    cc_to_crm: bool = True
    role_local_parts: frozenset[str] = frozenset()
    #: import.link_companies: tie people to organisation accounts by company name
    link_companies: bool = False
    #: the run's organisations so far (one Policy per run: planning extends it)
    companies: Companies = field(default_factory=Companies, compare=False, repr=False)


def contact_account_id(contact: CcContact) -> str:
    """A new account's id, from the contact's: the same on a resumed run."""
    return f"cc-{contact.contact_id}"


@dataclass(frozen=True)
class Create:
    contact: CcContact
    account: Account
    reason: Reason
    detail: str = ""


@dataclass(frozen=True)
class Link:
    """Link (or refresh the link of) an existing account: record its subscription data,
    write `incoming` fields per `update_fields`, and set its opt-out when `opt_out`."""

    contact: CcContact
    account_id: str
    reason: Reason
    new: bool
    incoming: dict[str, str]
    update_fields: UpdateFields
    opt_out: bool
    detail: str = ""


@dataclass(frozen=True)
class Skip:
    contact: CcContact
    reason: Reason
    detail: str = ""


@dataclass(frozen=True)
class Organisation:
    """A new organisation account for a company the CRM and the run have not met."""

    account: Account
    key: str  # company_key of its name


COMPANY = "company_name"


Action = Create | Link | Skip


def message(action: Action) -> str:
    return f"{action.reason.message}{f' ({action.detail})' if action.detail else ''}"


@dataclass
class Plan:
    creates: list[Create] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    #: written before the people (import.link_companies); not counted as imported
    organisations: list[Organisation] = field(default_factory=list)
    #: the run's organisations, when the plan ties people to them (else None)
    companies: Companies | None = None

    def add(self, action: Action) -> None:
        if isinstance(action, Create):
            self.creates.append(action)
        elif isinstance(action, Link):
            self.links.append(action)
        else:
            self.skips.append(action)

    @property
    def attempted(self) -> int:
        return len(self.creates) + len(self.links) + len(self.skips)


NewId = Callable[[CcContact], str]


def without_creates(plan: Plan) -> Plan:
    """The plan for a CRM listbridge may not write to: each account it would create is
    a skip saying so (reconsidered by the next import, as every skip is), so that the
    run's report lists whom it would have created."""
    skips = [
        Skip(c.contact, Reason.CRM_READ_ONLY, f"would have created an account: {message(c)}")
        for c in plan.creates
    ]
    # no organisation either: nobody it was for is created, and a link's update is reported
    return Plan([], list(plan.links), [*plan.skips, *skips], [], plan.companies)


def plan_import(
    contacts: Iterable[CcContact],
    index: MatchIndex,
    policy: Policy,
    new_id: NewId = contact_account_id,
) -> Plan:
    plan = Plan()
    tie = policy.link_companies and not policy.companies.refused
    if policy.link_companies:
        plan.companies = policy.companies
    for contact in contacts:
        action = decide(contact, index, policy, new_id)
        # in the contacts' order: a company new to the run goes by the first spelling met
        plan.add(tie_company(action, plan, index, policy.companies) if tie else action)
    return plan


def tie_company(action: Action, plan: Plan, index: MatchIndex, companies: Companies) -> Action:
    """The company name the action writes (a new account's; a link's, per
    import.update_fields) becomes its organisation's: one the run knows, else a new one
    added to the plan (once per company, whatever the spelling)."""
    if isinstance(action, Create):
        name = _organisation(plan, index, companies, action.account.company_name)
        if name:
            return replace(action, account=replace(action.account, company_name=name))
    elif isinstance(action, Link):
        name = _organisation(plan, index, companies, action.incoming.get(COMPANY, ""))
        if name:
            return replace(action, incoming={**action.incoming, COMPANY: name})
    return action


def _organisation(plan: Plan, index: MatchIndex, companies: Companies, company: str) -> str:
    key = company_key(company)
    if not key:
        return ""
    known = companies.names.get(key)
    if known is not None:
        return known
    name = " ".join(company.split())
    companies.names[key] = name
    account_id = index.free_id(organisation_id(key))
    index.ids.add(account_id)
    account = Account(
        id=account_id,
        type=AccountType.ORGANIZATION,
        company_name=name,
        origin_category=ORIGIN_CATEGORY,
        origin_detail=ORIGIN_DETAIL,
    )
    plan.organisations.append(Organisation(account, key))
    return name


def organisation_id(key: str) -> str:
    """A new organisation's id, from its company: the same on a resumed run."""
    return "org-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def reuse_organisations(plan: Plan, existing: Mapping[str, str]) -> None:
    """The CRM's own organisations (by company_key) win over those the plan would make:
    the plan's for those companies go, and their people take the CRM's spelling. Planned
    before the CRM's were read (the run's first batch), in place."""
    if plan.companies is not None:
        plan.companies.names.update(existing)
    plan.organisations[:] = [o for o in plan.organisations if o.key not in existing]
    _rename(plan, lambda key: existing.get(key))


def untie_companies(plan: Plan, keys: Iterable[str] | None = None) -> None:
    """No organisation for these companies (all: None) after all: the plan makes none,
    and their people keep the company name as their contact has it."""
    wanted = None if keys is None else set(keys)
    plan.organisations[:] = [
        o for o in plan.organisations if wanted is not None and o.key not in wanted
    ]
    for i, create in enumerate(plan.creates):
        own = crm_fields(create.contact).get(COMPANY, "")
        if wanted is None or company_key(own) in wanted:
            plan.creates[i] = replace(create, account=replace(create.account, company_name=own))
    for i, link in enumerate(plan.links):
        own = crm_fields(link.contact).get(COMPANY, "")
        if COMPANY in link.incoming and (wanted is None or company_key(own) in wanted):
            plan.links[i] = replace(link, incoming={**link.incoming, COMPANY: own})


def _rename(plan: Plan, name_of: Callable[[str], str | None]) -> None:
    for i, create in enumerate(plan.creates):
        name = name_of(company_key(create.account.company_name))
        if name is not None:
            plan.creates[i] = replace(create, account=replace(create.account, company_name=name))
    for i, link in enumerate(plan.links):
        name = name_of(company_key(link.incoming.get(COMPANY, "")))
        if name is not None:
            plan.links[i] = replace(link, incoming={**link.incoming, COMPANY: name})


def decide(contact: CcContact, index: MatchIndex, policy: Policy, new_id: NewId) -> Action:
    """One contact's decision; a planned link or create is claimed in `index` at once."""
    linked = index.account_of.get(contact.contact_id)
    if linked is not None:
        return _link(contact, linked, Reason.ALREADY_LINKED, policy, index, new=False)
    problem = _unfit(contact, policy)
    if problem is not None:
        return Skip(contact, problem)
    found = index.match(contact.contact_id, contact.email, contact.first_name, contact.last_name)
    return _decide_match(contact, found, index, policy, new_id)


def _unfit(contact: CcContact, policy: Policy) -> Reason | None:
    key = match_key(contact.email)
    if not _EMAIL.fullmatch(key):
        return Reason.INVALID_EMAIL
    if key.rpartition("@")[0] in policy.role_local_parts:
        return Reason.ROLE_ADDRESS
    return None


def _decide_match(
    contact: CcContact, found: Match, index: MatchIndex, policy: Policy, new_id: NewId
) -> Action:
    if found.kind is MatchKind.ONE:
        return _link(contact, found.account_id, Reason.EMAIL_MATCH, policy, index)
    if found.kind is MatchKind.NARROWED:
        return _link(contact, found.account_id, Reason.NAME_MATCH, policy, index)
    if found.kind is MatchKind.TAKEN:
        return Skip(contact, Reason.ACCOUNT_TAKEN, "accounts " + ", ".join(found.candidates))
    if found.kind is MatchKind.AMBIGUOUS:
        return _ambiguous(contact, found, index, policy, new_id)
    return _create(contact, Reason.NO_MATCH, index, new_id)


def _ambiguous(
    contact: CcContact, found: Match, index: MatchIndex, policy: Policy, new_id: NewId
) -> Action:
    names = ", ".join(found.candidates)
    if policy.ambiguous is AmbiguousMatch.LINK:
        # The push's rule for a shared address: the oldest account, then the lowest id.
        chosen = index.senior(found.candidates, contact.email)
        detail = f"accounts {names}; linked {chosen}, the oldest"
        return _link(contact, chosen, Reason.AMBIGUOUS_LINKED, policy, index, detail=detail)
    if policy.ambiguous is AmbiguousMatch.NEW:
        return _create(contact, Reason.AMBIGUOUS_CREATED, index, new_id, f"accounts {names}")
    return Skip(contact, Reason.AMBIGUOUS_IGNORED, f"accounts {names}")


def _link(
    contact: CcContact,
    account_id: str,
    reason: Reason,
    policy: Policy,
    index: MatchIndex,
    *,
    new: bool = True,
    detail: str = "",
) -> Link:
    index.claim(account_id, contact.contact_id)
    # Consent is sacred: an unsubscribe is carried over, never a re-subscription.
    opt_out = contact.unsubscribed and policy.cc_to_crm
    # A link stores none of the contact's text but what import.update_fields asks for; a
    # value the store cannot keep is left as the CRM has it (the link and opt-out stand).
    fields = storable(crm_fields(contact)) if policy.update_fields is not UpdateFields.NONE else {}
    return Link(contact, account_id, reason, new, fields, policy.update_fields, opt_out, detail)


def _create(
    contact: CcContact, reason: Reason, index: MatchIndex, new_id: NewId, detail: str = ""
) -> Create | Skip:
    if contact.unsubscribed:
        return Skip(contact, Reason.UNSUBSCRIBED_NO_ACCOUNT, detail)
    if contact.deleted:
        return Skip(contact, Reason.DELETED_NO_ACCOUNT, detail)
    refused = unstorable_fields(contact)
    if refused:
        # As `crm load` refuses such a row: the account could not be exported and loaded back.
        return Skip(contact, Reason.UNSTORABLE_VALUE, _joined(detail, ", ".join(refused)))
    account_id = index.free_id(new_id(contact))
    index.ids.add(account_id)
    index.claim(account_id, contact.contact_id)
    return Create(contact, new_account(account_id, contact), reason, detail)


def _joined(*details: str) -> str:
    return "; ".join(d for d in details if d)


def new_account(account_id: str, contact: CcContact) -> Account:
    fields: dict[str, Any] = crm_fields(contact)
    return Account(
        id=account_id,
        email=contact.email.strip(),
        cc_contact_id=contact.contact_id,
        origin_category=ORIGIN_CATEGORY,
        origin_detail=ORIGIN_DETAIL,
        **fields,
    )
