"""The CRM as honestreach sees it: immutable records and the indexes that find them.

Empty cells are ``None`` ("unknown"), never a guess.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from types import MappingProxyType
from typing import Any

import ahocorasick

LIFECYCLE_STAGES = (
    "subscriber", "lead", "mql", "sql", "opportunity", "customer", "former_customer", "other",
)
CONSENT_LEVELS = ("none", "implied", "express")
ACTIVITY_TYPES = (
    "meeting", "call", "email_sent", "email_received", "event_attended", "event_registered",
    "webinar_attended", "content_download", "form_submit", "referral", "demo", "purchase",
    "account_event", "note",
)

# Shared by every record without unknown columns: one object instead of a dict per row.
NO_EXTRA: Mapping[str, str] = MappingProxyType({})


def _no_extra() -> Mapping[str, str]:
    return NO_EXTRA


class CRMError(Exception):
    """A CRM that cannot be read, located for the person who exported it.

    ``row`` is a line number, or with ``table`` set (JSON, SQL) the 1-based record number.
    """

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None,
                 column: str | None = None, table: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.row = row
        self.column = column
        self.table = table

    def __str__(self) -> str:
        where = self.path or ""
        if self.table:
            where += f": {self.table}" + (f" record {self.row}" if self.row else "")
        elif self.row:
            where += f":{self.row}"
        what = f"column '{self.column}': " if self.column else ""
        return f"{where}: {what}{self.message}" if where else f"{what}{self.message}"


@dataclass(frozen=True, slots=True)
class Contact:
    """One person; ``email`` is lower-case."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    industry: str | None = None
    lifecycle_stage: str | None = None
    email_opt_out: bool | None = None
    do_not_contact: bool | None = None
    consent: str | None = None
    country: str | None = None
    owner: str | None = None
    interests: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=_no_extra, hash=False)


@dataclass(frozen=True, slots=True)
class Account:
    """One company."""

    company: str
    domain: str | None = None
    industry: str | None = None
    employees: int | None = None
    extra: Mapping[str, str] = field(default_factory=_no_extra, hash=False)


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing that happened with a contact (``contact_email``) or an account (``company``)."""

    contact_email: str | None
    company: str | None
    type: str
    date: date
    subject: str | None = None
    detail: str | None = None
    owner: str | None = None
    extra: Mapping[str, str] = field(default_factory=_no_extra, hash=False)


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(f.name for f in fields(cls) if f.name != "extra")
    for name, cls in (("contacts", Contact), ("accounts", Account), ("activities", Activity))
}


def company_key(name: str) -> str:
    """The form company names are matched in: case-folded, whitespace collapsed."""
    return " ".join(name.split()).casefold()


_by_date = attrgetter("date")


class CRM:
    """The three tables in source order, with lookup indexes built once."""

    __slots__ = (
        "_account_names",
        "_accounts",
        "_by_company",
        "_by_contact",
        "_contacts",
        "_domains",
        "accounts",
        "activities",
        "contacts",
        "source",
    )

    def __init__(self, contacts: Iterable[Contact], accounts: Iterable[Account],
                 activities: Iterable[Activity], source: str = "") -> None:
        self.contacts = tuple(contacts)
        self.accounts = tuple(accounts)
        self.activities = tuple(activities)
        self.source = source
        self._contacts = {contact.email.lower(): contact for contact in self.contacts}
        if len(self._contacts) != len(self.contacts):
            raise ValueError("two contacts have the same email address")
        # A CRM may hold the same company twice; the first record wins, as in the file.
        self._accounts: dict[str, Account] = {}
        self._domains: dict[str, Account] = {}
        for account in self.accounts:
            self._accounts.setdefault(company_key(account.company), account)
            if account.domain:
                self._domains.setdefault(account.domain.lower(), account)
        by_contact: defaultdict[str, list[Activity]] = defaultdict(list)
        by_company: defaultdict[str, list[Activity]] = defaultdict(list)
        # One stable sort up front leaves every per-key list in date order (ties: file order).
        for activity in sorted(self.activities, key=_by_date):
            if activity.contact_email:
                by_contact[activity.contact_email.lower()].append(activity)
            if activity.company:
                by_company[company_key(activity.company)].append(activity)
        self._by_contact = {key: tuple(rows) for key, rows in by_contact.items()}
        self._by_company = {key: tuple(rows) for key, rows in by_company.items()}
        self._account_names: Any = None

    def __len__(self) -> int:
        return len(self.contacts)

    def __repr__(self) -> str:
        return (f"<CRM {self.source!r}: {len(self.contacts)} contacts, "
                f"{len(self.accounts)} accounts, {len(self.activities)} activities>")

    def contact(self, email: str) -> Contact | None:
        """The contact with this address (any case), or None."""
        return self._contacts.get(email.strip().lower())

    def account(self, company: str) -> Account | None:
        """The account with this name (any case or spacing), or None."""
        return self._accounts.get(company_key(company))

    def account_for_domain(self, domain: str) -> Account | None:
        """The account whose domain is ``domain`` or a parent of it (mail.acme.com -> acme.com)."""
        domain = domain.strip().lower().rstrip(".")
        while domain:
            account = self._domains.get(domain)
            if account is not None:
                return account
            domain = domain.partition(".")[2]
        return None

    def account_for(self, email: str) -> Account | None:
        """The account of the contact's company, else the one of the address's domain."""
        contact = self.contact(email)
        if contact is not None and contact.company:
            account = self.account(contact.company)
            if account is not None:
                return account
        return self.account_for_domain(email.rpartition("@")[2])

    def account_mentions(self, text: str) -> list[tuple[int, int, str, tuple[int, ...]]]:
        """Where ``text`` names an account, as whole words: (start, end, name, indexes into
        ``accounts``). A name is the company's, or its first word when that has 5 or more
        letters ("Corvid" for "Corvid Analytics"). One Aho-Corasick pass over the text, so the
        cost does not grow with the number of accounts."""
        if self._account_names is None:
            self._account_names = _name_automaton(self.accounts)
        if self._account_names is False:
            return []
        found = []
        for last, (name, indexes) in self._account_names.iter(text):
            start, end = last - len(name) + 1, last + 1
            if (start > 0 and name[0].isalnum() and _is_word(text[start - 1])) or \
                    (end < len(text) and name[-1].isalnum() and _is_word(text[end])):
                continue
            found.append((start, end, name, indexes))
        found.sort()
        return found

    def activities_for(self, email: str,
                       types: Collection[str] | None = None) -> tuple[Activity, ...]:
        """The contact's own activities, oldest first, optionally only of the given types."""
        rows = self._by_contact.get(email.strip().lower(), ())
        return rows if types is None else tuple(row for row in rows if row.type in types)

    def account_activities(self, company: str,
                           types: Collection[str] | None = None) -> tuple[Activity, ...]:
        """Activities recorded against the company, oldest first, optionally of given types."""
        rows = self._by_company.get(company_key(company), ())
        return rows if types is None else tuple(row for row in rows if row.type in types)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _name_automaton(accounts: tuple[Account, ...]) -> Any:
    """An Aho-Corasick automaton of account names (False when there are none)."""
    by_name: dict[str, list[int]] = {}
    for index, account in enumerate(accounts):
        if not account.company or not account.company.strip():
            continue
        first_word = account.company.split()[0]
        for name in {account.company, first_word} if len(first_word) >= 5 else {account.company}:
            by_name.setdefault(name, []).append(index)
    if not by_name:
        return False
    automaton = ahocorasick.Automaton()
    for name, indexes in by_name.items():
        automaton.add_word(name, (name, tuple(indexes)))
    automaton.make_automaton()
    return automaton
