"""The Vtiger tables listbridge touches, as a Vtiger 7/8 install creates them on MariaDB.

Sources (read, not copied): Vtiger's base schema, `schema/DatabaseSchema.xml` of
vtiger-crm/vtigercrm (and of the 8.3 tree in SzakSolTam/SZAKSOLCRM_8.3GA), and the
columns Vtiger's installer adds after it by running `modules/Migration/schema/*.php`
(`Install_InitSchema_Model::upgrade`): `label`, `source` and `smgroupid` on
vtiger_crmentity, `setype` widened to 100 and nullable, `isconvertedfromlead` and
`tags` on the module tables, decimals for money. The result is checked against a dump
of a fresh 7.1.0 install (javanile/vtiger, `7.1.0/db.sql`): the column types, lengths,
defaults and NOT NULL rules below are those of the installed tables, so a writer that
forgets a required column fails here as it would on a real Vtiger.

Not created: `vtiger_crmentity_user_field` (Vtiger 8's stars; a row exists only for a
record a user starred, and every query joins it LEFT) and `vtiger_users` (no column
here references it by a key; `smownerid` 1 is the admin a Vtiger install creates).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    insert,
)
from sqlalchemy.dialects.mysql import DATE, DATETIME, DECIMAL, INTEGER, MEDIUMTEXT, VARCHAR
from sqlalchemy.engine import Engine

METADATA = MetaData()
_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}
#: the numbering rows of a fresh install (num_id, module, prefix), others left out
NUMBERING = ((2, "Accounts", "ACC"), (3, "Campaigns", "CAM"), (4, "Contacts", "CON"))


def _int(name: str, width: int = 19, **kwargs: object) -> Column[int]:
    return Column(name, INTEGER(display_width=width), autoincrement=False, **kwargs)  # type: ignore[arg-type]


def _text(name: str, length: int, **kwargs: object) -> Column[str]:
    return Column(name, VARCHAR(length), **kwargs)  # type: ignore[arg-type]


def _flag(name: str) -> Column[str]:
    """A Vtiger checkbox: '1' or '0' in a varchar(3)."""
    return _text(name, 3, server_default="0")


def _cascade(column: str, target: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint([column], [target], ondelete="CASCADE")


CRMENTITY = Table(
    "vtiger_crmentity",
    METADATA,
    _int("crmid", nullable=False),
    _int("smcreatorid", nullable=False, server_default="0"),
    _int("smownerid", nullable=False, server_default="0"),
    _int("modifiedby", nullable=False, server_default="0"),
    _text("setype", 100),
    Column("description", MEDIUMTEXT),
    Column("createdtime", DATETIME, nullable=False),
    Column("modifiedtime", DATETIME, nullable=False),
    Column("viewedtime", DATETIME),
    _text("status", 50),
    _int("version", nullable=False, server_default="0"),
    _int("presence", 1, server_default="1"),
    _int("deleted", 1, nullable=False, server_default="0"),
    _int("smgroupid"),
    _text("source", 100),
    _text("label", 255),
    PrimaryKeyConstraint("crmid"),
    Index("crmentity_smcreatorid_idx", "smcreatorid"),
    Index("crmentity_modifiedby_idx", "modifiedby"),
    Index("crmentity_deleted_idx", "deleted"),
    Index("crm_ownerid_del_setype_idx", "smownerid", "deleted", "setype"),
    Index("vtiger_crmentity_labelidx", "label"),
    **_OPTIONS,
)

#: ADOdb's sequence table (PearDatabase::getUniqueID): one row, no key
CRMENTITY_SEQ = Table("vtiger_crmentity_seq", METADATA, _int("id", 11, nullable=False), **_OPTIONS)

CONTACTDETAILS = Table(
    "vtiger_contactdetails",
    METADATA,
    _int("contactid", nullable=False, server_default="0"),
    _text("contact_no", 100, nullable=False),
    _int("accountid"),
    _text("salutation", 200),
    _text("firstname", 40),
    _text("lastname", 80, nullable=False),
    _text("email", 100),
    _text("phone", 50),
    _text("mobile", 50),
    _text("title", 50),
    _text("department", 30),
    _text("fax", 50),
    _text("reportsto", 30),
    _text("training", 50),
    _text("usertype", 50),
    _text("contacttype", 50),
    _text("otheremail", 100),
    _text("secondaryemail", 100),
    _text("donotcall", 3),
    _flag("emailoptout"),
    _text("imagename", 150),
    _text("reference", 3),
    _flag("notify_owner"),
    _flag("isconvertedfromlead"),
    _text("tags", 1),
    PrimaryKeyConstraint("contactid"),
    Index("contactdetails_accountid_idx", "accountid"),
    Index("email_idx", "email"),
    _cascade("contactid", "vtiger_crmentity.crmid"),
    **_OPTIONS,
)

CONTACTADDRESS = Table(
    "vtiger_contactaddress",
    METADATA,
    _int("contactaddressid", nullable=False, server_default="0"),
    _text("mailingcity", 40),
    _text("mailingstreet", 250),
    _text("mailingcountry", 40),
    _text("othercountry", 30),
    _text("mailingstate", 30),
    _text("mailingpobox", 30),
    _text("othercity", 40),
    _text("otherstate", 50),
    _text("mailingzip", 30),
    _text("otherzip", 30),
    _text("otherstreet", 250),
    _text("otherpobox", 30),
    PrimaryKeyConstraint("contactaddressid"),
    _cascade("contactaddressid", "vtiger_contactdetails.contactid"),
    **_OPTIONS,
)

CONTACTSUBDETAILS = Table(
    "vtiger_contactsubdetails",
    METADATA,
    _int("contactsubscriptionid", nullable=False, server_default="0"),
    _text("homephone", 50),
    _text("otherphone", 50),
    _text("assistant", 30),
    _text("assistantphone", 50),
    Column("birthday", DATE),
    _int("laststayintouchrequest", 30, server_default="0"),
    _int("laststayintouchsavedate", server_default="0"),
    _text("leadsource", 200),
    PrimaryKeyConstraint("contactsubscriptionid"),
    _cascade("contactsubscriptionid", "vtiger_contactdetails.contactid"),
    **_OPTIONS,
)


def _custom_fields(name: str, key: str, parent: str) -> Table:
    """A module's custom-field table: its key, and a cf_NNN column per field added later."""
    return Table(
        name,
        METADATA,
        _int(key, nullable=False, server_default="0"),
        PrimaryKeyConstraint(key),
        _cascade(key, f"{parent}.{key}"),
        **_OPTIONS,
    )


CONTACTSCF = _custom_fields("vtiger_contactscf", "contactid", "vtiger_contactdetails")

#: the customer portal's row of a contact: Contacts.php saves it with every contact
CUSTOMERDETAILS = Table(
    "vtiger_customerdetails",
    METADATA,
    _int("customerid", nullable=False),
    _text("portal", 3),
    Column("support_start_date", DATE),
    Column("support_end_date", DATE),
    PrimaryKeyConstraint("customerid"),
    _cascade("customerid", "vtiger_contactdetails.contactid"),
    **_OPTIONS,
)

ACCOUNT = Table(
    "vtiger_account",
    METADATA,
    _int("accountid", nullable=False, server_default="0"),
    _text("account_no", 100, nullable=False),
    _text("accountname", 100, nullable=False),
    _int("parentid", server_default="0"),
    _text("account_type", 200),
    _text("industry", 200),
    Column("annualrevenue", DECIMAL(25, 8)),
    _text("rating", 200),
    _text("ownership", 50),
    _text("siccode", 50),
    _text("tickersymbol", 30),
    _text("phone", 30),
    _text("otherphone", 30),
    _text("email1", 100),
    _text("email2", 100),
    _text("website", 100),
    _text("fax", 30),
    _int("employees", 10, server_default="0"),
    _flag("emailoptout"),
    _flag("notify_owner"),
    _flag("isconvertedfromlead"),
    _text("tags", 1),
    PrimaryKeyConstraint("accountid"),
    Index("account_account_type_idx", "account_type"),
    Index("email_idx", "email1", "email2"),
    _cascade("accountid", "vtiger_crmentity.crmid"),
    **_OPTIONS,
)


def _account_address(name: str, prefix: str) -> Table:
    """vtiger_accountbillads / vtiger_accountshipads: the same columns, prefixed."""
    return Table(
        name,
        METADATA,
        _int("accountaddressid", nullable=False, server_default="0"),
        _text(f"{prefix}_city", 30),
        _text(f"{prefix}_code", 30),
        _text(f"{prefix}_country", 30),
        _text(f"{prefix}_state", 30),
        _text(f"{prefix}_street", 250),
        _text(f"{prefix}_pobox", 30),
        PrimaryKeyConstraint("accountaddressid"),
        _cascade("accountaddressid", "vtiger_account.accountid"),
        **_OPTIONS,
    )


ACCOUNTBILLADS = _account_address("vtiger_accountbillads", "bill")
ACCOUNTSHIPADS = _account_address("vtiger_accountshipads", "ship")

ACCOUNTSCF = _custom_fields("vtiger_accountscf", "accountid", "vtiger_account")

CAMPAIGN = Table(
    "vtiger_campaign",
    METADATA,
    _text("campaign_no", 100, nullable=False),
    _text("campaignname", 255),
    _text("campaigntype", 200),
    _text("campaignstatus", 200),
    Column("expectedrevenue", DECIMAL(25, 8)),
    Column("budgetcost", DECIMAL(25, 8)),
    Column("actualcost", DECIMAL(25, 8)),
    _text("expectedresponse", 200),
    Column("numsent", DECIMAL(11, 0)),
    _int("product_id"),
    _text("sponsor", 255),
    _text("targetaudience", 255),
    _int("targetsize"),
    _int("expectedresponsecount"),
    _int("expectedsalescount"),
    Column("expectedroi", DECIMAL(25, 8)),
    _int("actualresponsecount"),
    _int("actualsalescount"),
    Column("actualroi", DECIMAL(25, 8)),
    _int("campaignid", nullable=False),
    Column("closingdate", DATE),
    _text("tags", 1),
    PrimaryKeyConstraint("campaignid"),
    Index("campaign_campaignstatus_idx", "campaignstatus"),
    Index("campaign_campaignname_idx", "campaignname"),
    Index("campaign_campaignid_idx", "campaignid"),
    _cascade("campaignid", "vtiger_crmentity.crmid"),
    **_OPTIONS,
)

CAMPAIGNSCF = _custom_fields("vtiger_campaignscf", "campaignid", "vtiger_campaign")

CAMPAIGNCONTREL = Table(
    "vtiger_campaigncontrel",
    METADATA,
    _int("campaignid", nullable=False, server_default="0"),
    _int("contactid", nullable=False, server_default="0"),
    _int("campaignrelstatusid", nullable=False, server_default="0"),
    PrimaryKeyConstraint("campaignid", "contactid", "campaignrelstatusid"),
    Index("campaigncontrel_contractid_idx", "contactid"),
    _cascade("contactid", "vtiger_contactdetails.contactid"),
    **_OPTIONS,
)

MODENTITY_NUM = Table(
    "vtiger_modentity_num",
    METADATA,
    _int("num_id", nullable=False),
    _text("semodule", 100),
    _text("prefix", 50, nullable=False, server_default=""),
    _text("start_id", 50, nullable=False),
    _text("cur_id", 50, nullable=False),
    _text("active", 2, nullable=False),
    PrimaryKeyConstraint("num_id"),
    Index("num_idx", "num_id", unique=True),
    Index("semodule_active_idx", "semodule", "active"),
    **_OPTIONS,
)


def create_vtiger(engine: Engine) -> None:
    """The tables, seeded as a fresh install leaves them: the crmid sequence at 1 (the
    installer draws one id) and each module numbering from 1."""
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(CRMENTITY_SEQ).values(id=1))
        rows = [
            {"num_id": n, "semodule": m, "prefix": p, "start_id": "1", "cur_id": "1", "active": "1"}
            for n, m, p in NUMBERING
        ]
        conn.execute(insert(MODENTITY_NUM), rows)
