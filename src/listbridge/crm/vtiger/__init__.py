"""Vtiger CRM 7/8 (open source), synced in place in its own MariaDB/MySQL database.

What an Account is in Vtiger:

- **id** is the contact's crmid as text. A new account gets Vtiger's next crmid
  (vtiger_crmentity_seq) and the next contact_no (CON1, CON2 …, vtiger_modentity_num);
  the id it came with is not used.
- **type**: every Vtiger contact is a person, so every account is an individual.
  Vtiger's Organizations (module Accounts) are companies, not people to e-mail: they
  are not synced as accounts. A contact's **company_name** is the name of the
  organisation it is linked to; writing one links the contact to the live organisation
  of that name, created when there is none (as Vtiger's import does), and an empty
  name unlinks it.
- **e-mails**: email ↔ email (Email), email2 ↔ secondaryemail (Secondary Email),
  email3 ↔ otheremail: a column vtiger_contactdetails still has but no Vtiger 7/8
  screen shows (a fresh install defines no field on it), kept so that a third address
  survives and still matches. Vtiger keeps 100 characters of an address: a longer one
  is refused.
- **email_opt_out** ↔ emailoptout, a checkbox stored as '1'/'0'.
- **phones**: phone1 ↔ homephone (vtiger_contactsubdetails), phone2 ↔ phone (Office
  Phone), phone3 ↔ mobile, fax ↔ fax, in the import's order (home, work, mobile);
  Vtiger's Other Phone is not synced. **title** ↔ title.
- **address** ↔ the mailing address (vtiger_contactaddress: mailingstreet, mailingcity,
  mailingstate, mailingzip, mailingcountry); the other address is not synced.
- **no place in Vtiger**: middle_name and individual_type read as empty, deceased and
  do_not_contact as false (Vtiger's Do Not Call is about phone calls, not e-mail, so it
  is not read as do-not-contact). Writing another value is refused, naming the field.
- **last_name** may be empty (Constant Contact does not require one); Vtiger's screens
  ask for one when the contact is next edited there.
- **created_at / updated_at** ↔ vtiger_crmentity createdtime / modifiedtime, kept in
  UTC (Vtiger's default_timezone) to the second. Every write sets modifiedtime and
  modifiedby, as a save in Vtiger does.
- **not stored**: cc_contact_id and origin_* (listbridge keeps its links itself);
  custom fields (vtiger_contactscf) are not synced yet: custom_fields() is empty and
  writing a `custom.<Name>` column is refused.
- **deleted** contacts (vtiger_crmentity.deleted = 1) are never read, except by a
  writer that asks for them (`get_many(…, include_deleted=True)`).

Segment filters (`--where`) run as SQL over the same joined rows the adapter reads
(filter_sql.py). Lists are campaigns (lists.py, campaigns.py). Writes touch only the rows named in
contacts.py, organisations.py and campaigns.py, never the schema; each is journaled in
listbridge's store with its before and after values, at the clock's own moment (Vtiger's
columns keep the second).
"""

from listbridge.crm.vtiger.adapter import VtigerCrm

__all__ = ["VtigerCrm"]
