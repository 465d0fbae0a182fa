"""Reading CRMs: every format into the same model, presets, mapping files, errors, lookups."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import sqlite3
from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest

from honestreach.crm import CRM, Activity, Contact, CRMError, load_crm, load_mapping, preset_names

FIXTURES = Path(__file__).parent / "fixtures" / "crm"
CANONICAL = FIXTURES / "canonical"
EXAMPLES = Path(__file__).parent.parent / "examples" / "crm"

CONTACTS_HEADER = ("email,first_name,last_name,company,title,industry,lifecycle_stage,"
                   "email_opt_out,do_not_contact,consent,country,owner,interests")
ACTIVITIES_HEADER = "contact_email,company,type,date,subject,detail,owner"
DANA = "dana.whitfield@quillmark.example.com"


def write_folder(folder: Path, **tables: str) -> Path:
    """A CRM folder with the given tables' CSV text (leading indentation removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(dedent(text).lstrip(), encoding="utf-8")
    return folder


def error_of(source: str | Path, **options) -> CRMError:
    with pytest.raises(CRMError) as caught:
        load_crm(source, **options)
    return caught.value


def copy_to_sqlite(folder: Path, database: Path) -> None:
    """The folder's tables in an SQLite file, with SQL types where the canonical CSV has text."""
    types = {"date": "DATE", "employees": "INTEGER", "email_opt_out": "BOOLEAN",
             "do_not_contact": "BOOLEAN"}
    flags = {"true": 1, "yes": 1, "false": 0, "no": 0}
    connection = sqlite3.connect(database)
    for name in ("contacts", "accounts", "activities"):
        with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        columns = ", ".join(f'"{title}" {types.get(title, "TEXT")}' for title in header)
        connection.execute(f"CREATE TABLE {name} ({columns})")
        for row in rows:
            values = []
            for title, cell in zip(header, row):
                if not cell:
                    values.append(None)
                elif title == "employees":
                    values.append(int(cell))
                elif types.get(title) == "BOOLEAN":
                    values.append(flags[cell.lower()])
                else:
                    values.append(cell)
            marks = ", ".join("?" * len(values))
            connection.execute(f"INSERT INTO {name} VALUES ({marks})", values)
    connection.commit()
    connection.close()


def same_tables(left: CRM, right: CRM) -> bool:
    return (left.contacts, left.accounts, left.activities) == (
        right.contacts, right.accounts, right.activities)


# --- the canonical formats ------------------------------------------------------------------

def test_canonical_folder_reads_every_column():
    crm = load_crm(CANONICAL)
    assert (len(crm), len(crm.accounts), len(crm.activities)) == (4, 3, 7)
    dana = crm.contact(DANA)
    assert dana == Contact(
        email=DANA, first_name="Dana", last_name="Whitfield", company="Quillmark Press",
        title="Head of Production", industry="Publishing", lifecycle_stage="opportunity",
        email_opt_out=False, do_not_contact=False, consent="express", country="GB",
        owner="rui.costa@fernhill.example.com", interests=("print scheduling", "paper costs"),
        extra={"linkedin": "https://linkedin.example.com/in/danaw"},
    )
    li = crm.contact("li.wei@ostrander.example.org")
    assert (li.email_opt_out, li.do_not_contact, li.consent) == (True, True, "none")
    assert li.country == "US"  # a country name becomes its ISO code
    assert li.interests == ("lab automation",)
    assert crm.account("Quillmark Press").employees == 180
    assert crm.account("Quillmark Press").extra == {"tier": "gold"}
    assert crm.account("Pell & Daughters").employees is None


def test_empty_cells_are_unknown():
    noah = load_crm(CANONICAL).contact("noah.berg@mail.pell.example.net")
    assert noah.company is None and noah.lifecycle_stage is None
    assert noah.email_opt_out is None and noah.do_not_contact is None and noah.consent is None
    assert noah.interests == () and noah.extra == {}


def test_examples_folder_loads():
    crm = load_crm(EXAMPLES)
    assert len(crm) > 0 and crm.activities
    assert all(crm.contact(contact.email.upper()) is contact for contact in crm.contacts)


def test_json_and_yaml_files_equal_the_folder():
    folder = load_crm(CANONICAL)
    assert same_tables(load_crm(FIXTURES / "canonical.json"), folder)
    assert same_tables(load_crm(FIXTURES / "canonical.yaml"), folder)


def test_sqlite_database_equals_the_folder(tmp_path):
    database = tmp_path / "crm.db"
    copy_to_sqlite(CANONICAL, database)
    crm = load_crm(f"sqlite:///{database}")
    assert same_tables(crm, load_crm(CANONICAL))
    assert crm.source == f"sqlite:///{database}"


def test_sqlite_database_without_optional_tables(tmp_path):
    database = tmp_path / "crm.db"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE contacts (email TEXT, first_name TEXT)")
    connection.execute("INSERT INTO contacts VALUES ('Ann@Example.com', 'Ann')")
    connection.commit()
    connection.close()
    crm = load_crm(f"sqlite:///{database}")
    assert crm.contact("ann@example.com").first_name == "Ann"
    assert crm.accounts == () and crm.activities == ()


def test_gzipped_csv_files(tmp_path):
    for name in ("contacts", "accounts", "activities"):
        data = (CANONICAL / f"{name}.csv").read_bytes()
        (tmp_path / f"{name}.csv.gz").write_bytes(gzip.compress(data))
    assert same_tables(load_crm(tmp_path), load_crm(CANONICAL))


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_exports(tmp_path, delimiter):
    # Spreadsheets in European locales save "CSV" with semicolons; others export tabs.
    for name in ("contacts", "accounts", "activities"):
        with (CANONICAL / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        with (tmp_path / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, delimiter=delimiter).writerows(rows)
    assert same_tables(load_crm(tmp_path), load_crm(CANONICAL))


def test_folder_with_only_contacts(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n")
    crm = load_crm(tmp_path)
    assert len(crm) == 1 and crm.accounts == () and crm.activities == ()


def test_yaml_values_are_read_as_written(tmp_path):
    # YAML 1.1 would make NO (Norway) false and "yes" true; the reader keeps the text.
    path = tmp_path / "crm.yaml"
    path.write_text("contacts:\n  - {email: ola@example.no, country: NO, first_name: Yes}\n")
    contact = load_crm(path).contact("ola@example.no")
    assert (contact.country, contact.first_name) == ("NO", "Yes")


def test_timestamps_and_addresses_with_names(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n", activities=f"""
        {ACTIVITIES_HEADER}
        Ann <ann@example.com>,,call,2026-10-14T09:30:00Z,Intro,,
        Ann Lee (ANN@example.com),,meeting,2026-10-15 16:00,Demo,,
        """)
    activities = load_crm(tmp_path).activities_for("ann@example.com")
    assert [(a.type, a.date) for a in activities] == [
        ("call", date(2026, 10, 14)), ("meeting", date(2026, 10, 15))]


# --- the model and its indexes --------------------------------------------------------------

def test_records_are_frozen_and_slotted():
    crm = load_crm(CANONICAL)
    contact = crm.contact(DANA)
    with pytest.raises(dataclasses.FrozenInstanceError):
        contact.email = "someone@else.example.com"
    assert not hasattr(contact, "__dict__")
    with pytest.raises(TypeError):
        contact.extra["linkedin"] = "changed"


def test_lookups_ignore_case_and_spacing():
    crm = load_crm(CANONICAL)
    assert crm.contact("  DANA.Whitfield@QUILLMARK.example.com ").email == DANA
    assert crm.contact("nobody@quillmark.example.com") is None
    assert crm.account("quillmark   PRESS").company == "Quillmark Press"
    assert crm.account("Unknown Co") is None


def test_account_for_uses_the_contacts_company_then_the_domain():
    crm = load_crm(CANONICAL)
    # Sam's CRM spelling "Quillmark  press" still finds the account.
    assert crm.account_for("sam.okafor@quillmark.example.com").company == "Quillmark Press"
    # Noah has no company: his address's domain (a subdomain of pell.example.net) decides.
    assert crm.account_for("noah.berg@mail.pell.example.net").company == "Pell & Daughters"
    # Not a contact at all: the domain alone.
    assert crm.account_for("new.person@eu.ostrander.example.org").company == "Ostrander Labs"
    assert crm.account_for("someone@example.com") is None
    assert crm.account_for_domain("Quillmark.Example.com.").company == "Quillmark Press"
    # Only whole labels match: "notquillmark.example.com" is another domain.
    assert crm.account_for_domain("notquillmark.example.com") is None


def test_activities_are_indexed_by_contact_and_company_in_date_order():
    crm = load_crm(CANONICAL)
    dana = crm.activities_for(DANA.upper())
    # Oldest first; the two rows of 2026-10-02 keep their file order.
    assert [a.type for a in dana] == ["event_attended", "meeting", "call"]
    assert [a.type for a in crm.activities_for(DANA, types={"call", "meeting"})] == [
        "meeting", "call"]
    assert crm.activities_for(DANA, types=()) == ()
    assert crm.activities_for("nobody@example.com") == ()
    quillmark = crm.account_activities("QUILLMARK PRESS")
    assert [a.subject for a in quillmark] == ["Series B"]
    ostrander = crm.account_activities("Ostrander Labs")
    assert [a.type for a in ostrander] == ["account_event", "referral"]
    assert [a.type for a in crm.account_activities("ostrander labs", ["referral"])] == [
        "referral"]


def test_lookups_use_the_indexes_not_the_tables():
    crm = load_crm(CANONICAL)
    # With the tables emptied, only the indexes built at load time can answer.
    crm.contacts, crm.accounts, crm.activities = (), (), ()
    assert crm.contact(DANA) is not None
    assert crm.account_for("x@quillmark.example.com") is not None
    assert len(crm.activities_for(DANA)) == 3
    assert len(crm.account_activities("Quillmark Press")) == 1


def test_crm_built_directly_indexes_mixed_case():
    activity = Activity("Ann@Example.com", None, "call", date(2026, 1, 5))
    crm = CRM([Contact("Ann@Example.com")], [], [activity], source="test")
    assert crm.contact("ann@example.com") is not None
    assert crm.activities_for("ANN@example.com") == (activity,)
    assert "test" in repr(crm) and "1 contacts" in repr(crm)
    with pytest.raises(ValueError):
        CRM([Contact("a@example.com"), Contact("A@example.com")], [], [])


# --- presets and mapping files --------------------------------------------------------------

def test_known_presets():
    assert preset_names() == ["hubspot", "salesforce"]


def test_export_files_as_downloaded(tmp_path):
    # HubSpot names its exports after the export; each table's file is recognised by name.
    names = {"contacts": "hubspot-crm-exports-all-contacts-2026-11-24.csv",
             "accounts": "hubspot-crm-exports-all-companies-2026-11-24.csv.gz",
             "activities": "Engagements report.csv"}
    for table, file_name in names.items():
        data = (FIXTURES / "hubspot" / f"{table}.csv").read_bytes()
        (tmp_path / file_name).write_bytes(gzip.compress(data) if file_name.endswith(".gz")
                                           else data)
    assert same_tables(load_crm(tmp_path, preset="hubspot"),
                       load_crm(FIXTURES / "hubspot", preset="hubspot"))
    # Two files that could be the contacts table: which one is not guessed.
    (tmp_path / "contacts-old.csv").write_bytes(b"email\nann@example.com\n")
    with pytest.raises(CRMError, match="several files could be the contacts table"):
        load_crm(tmp_path, preset="hubspot")


def test_hubspot_preset():
    crm = load_crm(FIXTURES / "hubspot", preset="hubspot")
    dana = crm.contact(DANA)
    assert (dana.first_name, dana.company, dana.title) == (
        "Dana", "Quillmark Press", "Head of Production")
    assert dana.lifecycle_stage == "mql"  # "Marketing Qualified Lead"
    assert dana.consent == "implied"  # legitimate interest
    assert dana.country == "GB" and dana.owner == "Rui Costa"
    assert dana.email_opt_out is False
    assert dana.extra["Record ID"] == "51234001" and dana.extra["Lead Status"] == "Open"
    li = crm.contact("li.wei@ostrander.example.org")
    assert (li.lifecycle_stage, li.consent, li.email_opt_out) == ("customer", "express", True)
    noah = crm.contact("noah.berg@pell.example.net")
    assert (noah.lifecycle_stage, noah.consent, noah.country) == ("sql", None, "DE")
    assert crm.contact("mia.sorensen@ostrander.example.org").lifecycle_stage == "customer"
    assert crm.account("Ostrander Labs").employees == 2400
    assert crm.account_for("x@pell.example.net").company == "Pell & Daughters"
    assert [(a.type, a.date) for a in crm.activities_for(DANA)] == [
        ("email_sent", date(2026, 9, 30)), ("email_received", date(2026, 10, 1)),
        ("meeting", date(2026, 10, 2))]
    assert [a.type for a in crm.account_activities("Ostrander Labs")] == ["note", "call"]


def test_salesforce_preset():
    crm = load_crm(FIXTURES / "salesforce", preset="salesforce")
    dana = crm.contact(DANA)
    assert dana.company == "Quillmark Press"
    assert dana.owner == "rui.costa@fernhill.example.com"  # Owner Email before Contact Owner
    assert dana.country == "GB"  # "UK"
    assert dana.lifecycle_stage == "opportunity"  # Negotiation/Review
    assert dana.email_opt_out is False
    # "Do Not Call" is about the phone: never read as do-not-contact, kept as it was.
    assert dana.do_not_contact is None and dana.extra["Do Not Call"] == "1"
    li = crm.contact("li.wei@ostrander.example.org")
    assert (li.lifecycle_stage, li.email_opt_out, li.country) == ("customer", True, "US")
    assert crm.contact("tomas.novak@ostrander.example.org").country == "CZ"
    assert crm.account("Quillmark Press").domain == "quillmark.example.com"  # from the website
    assert crm.account("Pell & Daughters").domain == "pell.example.net"
    # US-locale report dates, and an ISO date in the same column.
    assert [(a.type, a.date) for a in crm.activities_for(DANA)] == [
        ("email_sent", date(2026, 9, 30)), ("call", date(2026, 10, 2))]
    assert [(a.type, a.date) for a in crm.account_activities("Ostrander Labs")] == [
        ("meeting", date(2026, 6, 18)), ("note", date(2026, 6, 19))]


def test_preset_applies_to_a_database_too(tmp_path):
    database = tmp_path / "hubspot.db"
    connection = sqlite3.connect(database)
    connection.execute('CREATE TABLE contacts ("Email" TEXT, "First Name" TEXT, '
                       '"Lifecycle Stage" TEXT, "Unsubscribed from all email" TEXT)')
    connection.execute("INSERT INTO contacts VALUES "
                       "('Ann@Example.com', 'Ann', 'marketingqualifiedlead', 'true')")
    connection.commit()
    connection.close()
    ann = load_crm(f"sqlite:///{database}", preset="hubspot").contact("ann@example.com")
    assert (ann.first_name, ann.lifecycle_stage, ann.email_opt_out) == ("Ann", "mql", True)


def test_user_mapping_file():
    folder = FIXTURES / "mapped"
    crm = load_crm(folder, mapping=folder / "map.yaml")
    anna = crm.contact("anna.krause@lindwurm.example.de")
    assert (anna.lifecycle_stage, anna.consent, anna.country) == ("lead", "express", "DE")
    assert anna.interests == ("Logistik", "Lager") and anna.extra == {"Birthday": "1980-02-11"}
    # The value map's key Yes is the text "Yes", not a YAML boolean.
    assert crm.contact("jonas.beck@lindwurm.example.de").consent == "express"
    assert crm.account("Lindwurm Werke").domain == "lindwurm.example.de"
    assert crm.account("Lindwurm Werke").employees == 1250
    assert [(a.type, a.date) for a in crm.activities_for("anna.krause@lindwurm.example.de")] == [
        ("event_attended", date(2026, 10, 14)), ("call", date(2026, 10, 20))]
    assert crm.account_activities("Lindwurm Werke")[0].type == "account_event"


def test_mapping_file_on_top_of_a_preset(tmp_path):
    folder = write_folder(tmp_path / "export", contacts="""
        Email,Lifecycle Stage,Product interest
        ann@example.com,Customer,Forecasting;Pipeline
        """)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("contacts:\n  columns:\n    interests: Product interest\n")
    ann = load_crm(folder, preset="hubspot", mapping=mapping).contact("ann@example.com")
    assert (ann.lifecycle_stage, ann.interests) == ("customer", ("Forecasting", "Pipeline"))


def test_mapping_column_alternatives_and_null_values(tmp_path):
    folder = write_folder(tmp_path / "export", contacts="""
        E-mail,Stage
        ann@example.com,Unknown
        """)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(dedent("""
        contacts:
          columns:
            email: [Email, E-mail]
            lifecycle_stage: Stage
          values:
            lifecycle_stage: {Unknown: null}
        """))
    assert load_crm(folder, mapping=mapping).contact("ann@example.com").lifecycle_stage is None


@pytest.mark.parametrize("text, line, words", [
    ("contacts:\n  columns:\n    emial: Mail\n", 3, ["'emial'", "email, first_name"]),
    ("contacts:\n  colums: {}\n", 2, ["unknown key 'colums'"]),
    ("people:\n  columns: {}\n", 1, ["unknown table 'people'"]),
    ("activities:\n  date_format: '%Y'\n", 2, ["date_format '%Y'"]),
    ("contacts:\n  values:\n    consent:\n      Ja: yes please\n", 4,
     ["'yes please'", "none, implied, express"]),
    ("contacts:\n  columns:\n    email: {a: b}\n", 3, ["expected a single value"]),
    ("contacts:\n  columns:\n    email: Mail\n    email: E-mail\n", 4, ["duplicate key 'email'"]),
    ("contacts: [\n", 2, ["invalid YAML"]),
])
def test_mapping_file_errors_name_file_and_line(tmp_path, text, line, words):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(text)
    error = error_of(CANONICAL, mapping=mapping)
    assert (error.path, error.row) == (str(mapping), line)
    assert str(error).startswith(f"{mapping}:{line}: ")
    for word in words:
        assert word in str(error)


def test_empty_and_missing_mapping_files(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n")
    assert "empty" in str(error_of(CANONICAL, mapping=empty))
    missing = error_of(CANONICAL, mapping=tmp_path / "missing.yaml")
    assert missing.path == str(tmp_path / "missing.yaml") and "cannot read" in str(missing)
    assert load_mapping(FIXTURES / "mapped" / "map.yaml").table("contacts").file == "people.csv"


def test_unknown_preset_lists_the_known_ones():
    error = error_of(CANONICAL, preset="zoho")
    assert str(error) == "unknown CRM preset 'zoho' (known: hubspot, salesforce)"


# --- errors in the data ---------------------------------------------------------------------

@pytest.mark.parametrize("table, text, column", [
    ("contacts", "first_name,company\nAnn,Acme\n", "email"),
    ("accounts", "name,domain\nAcme,acme.example.com\n", "company"),
    ("activities", "contact_email,date\nann@example.com,2026-01-02\n", "type"),
    ("activities", "contact_email,type\nann@example.com,call\n", "date"),
])
def test_missing_required_column(tmp_path, table, text, column):
    tables = {"contacts": "email\nann@example.com\n", table: text}
    error = error_of(write_folder(tmp_path, **tables))
    assert (error.path, error.column) == (str(tmp_path / f"{table}.csv"), column)
    assert str(error).startswith(f"{tmp_path / f'{table}.csv'}: column '{column}': required")
    assert text.split(",")[0] in str(error)  # the header as found is shown


def test_activities_need_a_contact_or_company_column(tmp_path):
    error = error_of(write_folder(tmp_path, contacts="email\nann@example.com\n",
                                  activities="type,date\ncall,2026-01-02\n"))
    assert error.path == str(tmp_path / "activities.csv")
    assert error.column == "contact_email or company"


def test_malformed_date_names_file_row_and_column(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n", activities=f"""
        {ACTIVITIES_HEADER}
        ann@example.com,,call,2026-10-14,Intro,,
        ann@example.com,,call,2026-13-40,Follow-up,,
        """)
    error = error_of(tmp_path)
    assert (error.row, error.column) == (3, "date")
    assert str(error) == (f"{tmp_path / 'activities.csv'}:3: column 'date': "
                          "'2026-13-40' is not an ISO 8601 date")


def test_date_in_neither_iso_nor_the_mapped_format(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n",
                 activities="contact_email,type,date\nann@example.com,call,14/10/2026\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("activities:\n  date_format: '%m/%d/%Y'\n")
    assert "or a date in the format '%m/%d/%Y'" in str(error_of(tmp_path, mapping=mapping))


@pytest.mark.parametrize("column, value, words", [
    ("email_opt_out", "maybe", ["'maybe' is not a boolean", "yes/no"]),
    ("do_not_contact", "2", ["'2' is not a boolean"]),
    ("lifecycle_stage", "prospect", ["'prospect' is not a known lifecycle stage",
                                     "subscriber, lead, mql, sql"]),
    ("consent", "opt-in", ["'opt-in' is not a known consent", "none, implied, express"]),
    ("country", "Atlantis", ["'Atlantis'", "ISO 3166-1"]),
    ("email", "not-an-address", ["'not-an-address' is not an email address"]),
])
def test_bad_contact_values(tmp_path, column, value, words):
    header = CONTACTS_HEADER.split(",")
    row = ["ann@example.com"] + [""] * (len(header) - 1)
    row[header.index(column)] = value
    write_folder(tmp_path, contacts=f"{CONTACTS_HEADER}\nbob@example.com{',' * 12}\n"
                                    f"{','.join(row)}\n")
    error = error_of(tmp_path)
    assert (error.path, error.row, error.column) == (str(tmp_path / "contacts.csv"), 3, column)
    assert str(error).startswith(f"{tmp_path / 'contacts.csv'}:3: column '{column}': ")
    for word in words:
        assert word in str(error)


def test_unknown_activity_type_lists_the_allowed_ones(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n",
                 activities="contact_email,type,date\nann@example.com,lunch,2026-01-02\n")
    error = error_of(tmp_path)
    assert (error.row, error.column) == (2, "type")
    assert "'lunch' is not a known type (allowed: meeting, call, email_sent" in str(error)


def test_bad_number_of_employees(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n",
                 accounts="company,employees\nAcme,about fifty\n")
    error = error_of(tmp_path)
    assert (error.path, error.row, error.column) == (
        str(tmp_path / "accounts.csv"), 2, "employees")
    assert "'about fifty' is not a whole number" in str(error)


def test_duplicate_contacts_name_both_rows(tmp_path):
    write_folder(tmp_path, contacts="""
        email,first_name
        ann@example.com,Ann
        bob@example.com,Bob
        ANN@example.com,Annie
        """)
    error = error_of(tmp_path)
    assert (error.row, error.column) == (4, "email")
    assert str(error) == (f"{tmp_path / 'contacts.csv'}:4: column 'email': duplicate contact "
                          "'ann@example.com' (also at row 2)")


def test_required_values_and_rows(tmp_path):
    write_folder(tmp_path, contacts="email,first_name\n,Ann\n")
    assert str(error_of(tmp_path)).endswith(":2: column 'email': is empty (required)")
    write_folder(tmp_path, contacts="email\nann@example.com\n",
                 activities="contact_email,company,type,date\n,,call,2026-01-02\n")
    error = error_of(tmp_path)
    assert error.row == 2 and "neither a contact ('contact_email') nor a company" in str(error)


def test_rows_must_match_the_header(tmp_path):
    write_folder(tmp_path, contacts="email,first_name\nann@example.com,Ann,extra\n")
    error = error_of(tmp_path)
    assert error.row == 2 and "3 cells but the header has 2" in str(error)
    write_folder(tmp_path, contacts="email,Email\nann@example.com,ann@example.com\n")
    assert "appears twice in the header" in str(error_of(tmp_path))


def test_row_numbers_count_lines_of_quoted_multiline_cells(tmp_path):
    write_folder(tmp_path, contacts="email\nann@example.com\n", activities=f"""
        {ACTIVITIES_HEADER}
        ann@example.com,,call,2026-01-02,Intro,"two
        lines",
        ann@example.com,,call,someday,Intro,,
        """)
    assert error_of(tmp_path).row == 4


def test_not_utf8_and_bad_gzip(tmp_path):
    latin = "email,first_name\na@example.com,Zoë\n".encode("cp1252")
    (tmp_path / "contacts.csv").write_bytes(latin)
    assert "not UTF-8" in str(error_of(tmp_path))
    (tmp_path / "contacts.csv").unlink()
    (tmp_path / "contacts.csv.gz").write_bytes(b"not gzip at all")
    error = error_of(tmp_path)
    assert error.path == str(tmp_path / "contacts.csv.gz") and "cannot read" in str(error)


def test_missing_folder_file_and_contacts(tmp_path):
    missing = error_of(tmp_path / "nowhere")
    assert str(missing) == f"{tmp_path / 'nowhere'}: no such file or folder"
    assert "no contacts.csv" in str(error_of(tmp_path))
    other = tmp_path / "crm.txt"
    other.write_text("hello")
    assert "expected a folder of CSV files" in str(error_of(other))


def test_json_errors_name_table_and_record(tmp_path):
    path = tmp_path / "crm.json"
    path.write_text('{"contacts": [{"email": "a@example.com"}],\n "activities": [\n'
                    '  {"contact_email": "a@example.com", "type": "call", "date": "2026-01-02"},\n'
                    '  {"contact_email": "a@example.com", "type": "call", "date": "soon"}]}\n')
    error = error_of(path)
    assert (error.table, error.row, error.column) == ("activities", 2, "date")
    assert str(error) == (f"{path}: activities record 2: column 'date': "
                          "'soon' is not an ISO 8601 date")
    path.write_text('{"contacts": [{"email": "a@example.com", "title": {"x": 1}}]}')
    assert "record 1: column 'title': expected a value" in str(error_of(path))
    path.write_text('{"contacts": [],\n "deals": []}')
    assert "unknown table 'deals'" in str(error_of(path))
    path.write_text('{"contacts": [\n')
    error = error_of(path)
    assert error.row == 2 and "invalid JSON" in str(error)


def test_yaml_errors_name_the_line(tmp_path):
    path = tmp_path / "crm.yml"
    path.write_text("contacts:\n  - email: a@example.com\n  - email: b@example.com\n"
                    "    email_opt_out: perhaps\n")
    error = error_of(path)
    assert str(error).startswith(f"{path}:3: column 'email_opt_out': 'perhaps'")
    path.write_text("contacts: a list\n")
    assert "must be a list of mappings" in str(error_of(path))


def test_sqlite_errors_name_table_record_and_column(tmp_path):
    database = tmp_path / "crm.db"
    copy_to_sqlite(CANONICAL, database)
    connection = sqlite3.connect(database)
    connection.execute("UPDATE activities SET date = '2026-02-30' WHERE rowid = 3")
    connection.commit()
    connection.close()
    error = error_of(f"sqlite:///{database}")
    assert str(error) == (f"sqlite:///{database}: activities record 3: column 'date': "
                          "'2026-02-30' is not an ISO 8601 date")


def test_sqlite_url_to_a_file_that_is_not_a_database(tmp_path):
    text = tmp_path / "crm.db"
    text.write_text("email\nann@example.com\n")
    error = error_of(f"sqlite:///{text}")
    assert error.path == f"sqlite:///{text}" and "not an SQLite database" in str(error)
    # Right header, broken body: SQLite's own error, as a CRMError.
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    assert "cannot read the database" in str(error_of(f"sqlite:///{broken}"))
    missing = error_of(f"sqlite:///{tmp_path / 'missing.db'}")
    assert "no such database file" in str(missing)
    assert not (tmp_path / "missing.db").exists()  # not created as an empty database


def test_database_without_contacts_table(tmp_path):
    database = tmp_path / "crm.db"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE accounts (company TEXT)")
    connection.commit()
    connection.close()
    assert "no 'contacts' table" in str(error_of(f"sqlite:///{database}"))


def test_unreachable_database_hides_the_password():
    error = error_of("postgresql+psycopg://rep:s3cret@127.0.0.1:1/crm")
    assert "s3cret" not in str(error) and str(error).startswith("postgresql+psycopg://rep:***@")


def test_malformed_database_url_or_missing_driver():
    assert str(error_of("://x")).startswith("://x: not a database URL")
    assert "no database driver for 'nonsense'" in str(error_of("nonsense://"))
