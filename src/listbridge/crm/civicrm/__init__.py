"""CiviCRM, synced where it is: the adapter reads and writes CiviCRM's own tables.

`CiviCrm(store, connection_id, engine, clock)` (adapter.py) implements `CrmWithLists`
over a CiviCRM database (`engine`, MariaDB/MySQL as CiviCRM runs, or PostgreSQL with
the same tables); listbridge's journal stays in its own state store (`store`).

How a contact maps to an Account (mapping.py, reads.py, writes.py):

* id: str(civicrm_contact.id). A new account gets CiviCRM's next id; the id it was
  proposed with is not kept (write_batch hands the caller proposed → given ids).
* The trash (is_deleted = 1) is never read: no job sees a trashed contact, except a
  writer reading `include_deleted` so that an opt-out still reaches it.
* type: Individual → individual; Organization and Household → organization (a
  household is a shared record, not a person to mail: like an organisation it is
  never pushed nor matched by an import). A contact's type is never changed.
* first/middle/last_name, title = job_title, deceased = is_deceased, do_not_contact =
  do_not_email, email_opt_out = is_opt_out (a Constant Contact unsubscribe sets it),
  origin_detail = source (where the contact came from; an import's say "Constant
  Contact"). company_name = organization_name (an organisation's name, or an
  individual's current employer's name as CiviCRM caches it; writing it does not
  create or end an employer relationship), household_name for a household.
  individual_type reads contact_sub_type (its subtypes, comma-joined) and is not written.
* created_at = created_date, updated_at = modified_date, to the second; every write
  sets modified_date, as CiviCRM does on every change to a contact or its details.
* email, email2, email3: the first three civicrm_email rows, primary first, then by
  id. An address on hold (bouncing) is still the contact's address: it identifies the
  person for matching, and Constant Contact keeps its own bounce state.
* phone1 (home), phone2 (work), phone3 (mobile), fax: by kind, as Constant Contact's
  phones are (phones.py): a Mobile is phone3 and a Fax is fax at any location; another
  phone at a Work location is phone2, elsewhere phone1; each column the first of its
  kind, primary first, then by id. New rows: phone1 Home phone, phone2 Work phone,
  phone3 Home mobile, fax Home fax.
* address_line1, city, zip, state, country: the primary civicrm_address (street_address,
  city, postal_code), its state by abbreviation (else name) and country by ISO code
  (else name), resolved through civicrm_state_province and civicrm_country on write.
* custom.<Name>: CiviCRM's custom fields are not synced yet: `custom_fields()` is
  empty and writing one is a UserError.
* cc_contact_id and origin_category are not kept in CiviCRM (listbridge keeps the
  link); a create ignores them, an update of either is refused.

Lists are CiviCRM groups (lists.py). Writes never alter CiviCRM's schema; each call
or batch is one CiviCRM transaction, journaled in listbridge's journal at the clock's
own moment (CiviCRM's columns keep the second; the jobs journal their own changes to
the microsecond, and an account's history reads in the order things happened).
"""
