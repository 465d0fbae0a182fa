"""Benchmark ``load_crm``: load time and peak memory of a large CRM, as CSV folder and SQLite.

    python benchmarks/bench_crm.py [--contacts 100000] [--activities 1000000]

Generates a canonical CRM folder (10 contacts per account) and an SQLite database holding the
same rows in a temporary folder, loads each in a fresh process (so each peak RSS is its own)
and prints load time (wall clock and CPU, which a busy machine disturbs less), peak RSS and
the time of one contact's lookups (contact, account_for, activities_for).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from honestreach.crm import load_crm

COLUMNS = {
    "contacts": ["email", "first_name", "last_name", "company", "title", "industry",
                 "lifecycle_stage", "email_opt_out", "do_not_contact", "consent", "country",
                 "owner", "interests"],
    "accounts": ["company", "domain", "industry", "employees"],
    "activities": ["contact_email", "company", "type", "date", "subject", "detail", "owner"],
}
FIRST = ["Amara", "Jon", "Priya", "Lena", "Elena", "Owen", "Mia", "Marcus", "Theo", "Kim"]
LAST = ["Njoku", "Okoye", "Shah", "Fischer", "Vasquez", "Gallagher", "Sullivan", "Lindqvist"]
TITLES = ["VP Operations", "Finance Director", "Inventory Planner", "Head of Sales", "CTO"]
INDUSTRIES = ["Software", "Logistics", "Retail", "Healthcare", "Food Distribution"]
STAGES = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "former_customer"]
TYPES = ["meeting", "call", "email_sent", "email_received", "event_attended",
         "webinar_attended", "content_download", "form_submit", "demo", "note"]
SUBJECTS = ["Stock count discovery call", "Bakery Cost Benchmark 2026", "Newsletter signup",
            "Inventory Planning Workshop Leeds", "SaaStr Annual 2026", "Quarterly review",
            "Forecast Accuracy Checklist", "Pricing follow-up"]
OWNERS = [f"rep{n}@vendor.example.com" for n in range(40)]


def generate(folder: Path, contacts: int, activities: int) -> None:
    """Write contacts.csv, accounts.csv and activities.csv into ``folder``."""
    rng = random.Random(7)
    accounts = max(1, contacts // 10)
    with (folder / "accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS["accounts"])
        for n in range(accounts):
            writer.writerow([f"Company {n}", f"company{n}.example.com",
                             rng.choice(INDUSTRIES), rng.randint(5, 20000)])
    emails = []
    with (folder / "contacts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS["contacts"])
        for n in range(contacts):
            first, last, company = rng.choice(FIRST), rng.choice(LAST), n % accounts
            email = f"{first}.{last}{n}@company{company}.example.com".lower()
            emails.append(email)
            writer.writerow([email, first, last, f"Company {company}", rng.choice(TITLES),
                             rng.choice(INDUSTRIES), rng.choice(STAGES), "false", "false",
                             rng.choice(["none", "implied", "express"]), "US",
                             rng.choice(OWNERS), "inventory planning;cost control"])
    start = date(2025, 1, 1)
    with (folder / "activities.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS["activities"])
        for n in range(activities):
            day = (start + timedelta(days=rng.randrange(730))).isoformat()
            if n % 10:
                writer.writerow([rng.choice(emails), "", rng.choice(TYPES), day,
                                 rng.choice(SUBJECTS), f"Notes on conversation {n}",
                                 rng.choice(OWNERS)])
            else:
                writer.writerow(["", f"Company {rng.randrange(accounts)}", "account_event", day,
                                 "Series B", "", rng.choice(OWNERS)])


def to_sqlite(folder: Path, database: Path) -> None:
    """Copy the folder's three tables into an SQLite database."""
    connection = sqlite3.connect(database)
    for name, columns in COLUMNS.items():
        connection.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
        with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            next(rows)
            marks = ", ".join("?" * len(columns))
            connection.executemany(f"INSERT INTO {name} VALUES ({marks})",
                                   ([cell or None for cell in row] for row in rows))
    connection.commit()
    connection.close()


def measure(source: str) -> dict[str, float]:
    """Load ``source`` in this process and time it and its lookups."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    crm = load_crm(source)
    loaded, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emails = [contact.email.upper() for contact in crm.contacts]
    started = time.perf_counter()
    for email in emails:
        crm.contact(email)
        crm.account_for(email)
        crm.activities_for(email, ("meeting", "call"))
    lookup = (time.perf_counter() - started) / max(1, len(emails))
    return {"load_s": loaded, "cpu_s": cpu, "rss_before_mb": before, "peak_rss_mb": peak,
            "lookup_us": lookup * 1e6, "contacts": len(crm.contacts),
            "activities": len(crm.activities)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child process's job
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure)))
        return
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "crm"
        folder.mkdir()
        started = time.perf_counter()
        generate(folder, options.contacts, options.activities)
        database = Path(temp) / "crm.db"
        to_sqlite(folder, database)
        print(f"generated {options.contacts:,} contacts and {options.activities:,} activities "
              f"in {time.perf_counter() - started:.1f} s")
        for label, source in (("CSV folder", str(folder)), ("SQLite", f"sqlite:///{database}")):
            output = subprocess.run([sys.executable, __file__, "--measure", source],
                                    check=True, capture_output=True, text=True).stdout
            figures = json.loads(output)
            print(f"{label:<11} load {figures['load_s']:5.2f} s ({figures['cpu_s']:.2f} s CPU)   "
                  f"peak RSS "
                  f"{figures['peak_rss_mb']:6.0f} MB (before load {figures['rss_before_mb']:.0f}"
                  f" MB)   lookups {figures['lookup_us']:.1f} µs per contact")


if __name__ == "__main__":
    main()
