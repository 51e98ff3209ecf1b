"""The Vtiger columns listbridge reads and writes, as SQLAlchemy Core tables.

Only those columns: the tables are Vtiger's, created by its installer, and listbridge
never creates or alters them. Lengths are the installed ones (Vtiger 7/8,
`schema/DatabaseSchema.xml` plus the installer's migration scripts); a text written
is cut to them (`fields.py`). Keys are declared only where a statement needs one.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

METADATA = MetaData()


def _id(name: str, *, key: bool = False) -> Column[int]:
    return Column(name, Integer, primary_key=key, autoincrement=False)


CRMENTITY = Table(
    "vtiger_crmentity",
    METADATA,
    _id("crmid", key=True),
    _id("smcreatorid"),
    _id("smownerid"),
    _id("modifiedby"),
    Column("setype", String(100)),
    Column("createdtime", DateTime),
    Column("modifiedtime", DateTime),
    _id("presence"),
    _id("deleted"),
    Column("source", String(100)),
    Column("label", String(255)),
)
CRMENTITY_SEQ = Table("vtiger_crmentity_seq", METADATA, _id("id"))

CONTACTDETAILS = Table(
    "vtiger_contactdetails",
    METADATA,
    _id("contactid", key=True),
    Column("contact_no", String(100)),
    _id("accountid"),
    Column("firstname", String(40)),
    Column("lastname", String(80)),
    Column("email", String(100)),
    Column("secondaryemail", String(100)),
    Column("otheremail", String(100)),
    Column("phone", String(50)),
    Column("mobile", String(50)),
    Column("fax", String(50)),
    Column("title", String(50)),
    Column("emailoptout", String(3)),
)
CONTACTADDRESS = Table(
    "vtiger_contactaddress",
    METADATA,
    _id("contactaddressid", key=True),
    Column("mailingstreet", String(250)),
    Column("mailingcity", String(40)),
    Column("mailingstate", String(30)),
    Column("mailingzip", String(30)),
    Column("mailingcountry", String(40)),
)
CONTACTSUBDETAILS = Table(
    "vtiger_contactsubdetails",
    METADATA,
    _id("contactsubscriptionid", key=True),
    Column("homephone", String(50)),
)
CONTACTSCF = Table("vtiger_contactscf", METADATA, _id("contactid", key=True))
CUSTOMERDETAILS = Table(
    "vtiger_customerdetails", METADATA, _id("customerid", key=True), Column("portal", String(3))
)

ACCOUNT = Table(
    "vtiger_account",
    METADATA,
    _id("accountid", key=True),
    Column("account_no", String(100)),
    Column("accountname", String(100)),
)
ACCOUNTBILLADS = Table("vtiger_accountbillads", METADATA, _id("accountaddressid", key=True))
ACCOUNTSHIPADS = Table("vtiger_accountshipads", METADATA, _id("accountaddressid", key=True))
ACCOUNTSCF = Table("vtiger_accountscf", METADATA, _id("accountid", key=True))

CAMPAIGN = Table(
    "vtiger_campaign",
    METADATA,
    _id("campaignid", key=True),
    Column("campaign_no", String(100)),
    Column("campaignname", String(255)),
    Column("campaigntype", String(200)),
    Column("campaignstatus", String(200)),
)
CAMPAIGNSCF = Table("vtiger_campaignscf", METADATA, _id("campaignid", key=True))
CAMPAIGNCONTREL = Table(
    "vtiger_campaigncontrel",
    METADATA,
    _id("campaignid"),
    _id("contactid"),
    _id("campaignrelstatusid"),
)

MODENTITY_NUM = Table(
    "vtiger_modentity_num",
    METADATA,
    _id("num_id", key=True),
    Column("semodule", String(100)),
    Column("prefix", String(50)),
    Column("cur_id", String(50)),
    Column("active", String(2)),
)

#: the tables the adapter inserts rows into (the others it reads or updates): a column
#: of theirs not declared above that the database requires would refuse every insert
INSERTED = (
    CRMENTITY, CONTACTDETAILS, CONTACTADDRESS, CONTACTSUBDETAILS, CONTACTSCF, CUSTOMERDETAILS,
    ACCOUNT, ACCOUNTBILLADS, ACCOUNTSHIPADS, ACCOUNTSCF, CAMPAIGN, CAMPAIGNSCF, CAMPAIGNCONTREL,
)  # fmt: skip
