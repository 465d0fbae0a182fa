"""The data a template may use, and the sample records it is rendered against.

The *data model* names each object a template sees (``contact``, ``account``, ``sender``, any
object a team adds) with its fields, their types and whether a field is always filled
(``required``). ``activities`` is the list of ``activity`` objects. The default model is the
canonical CRM format (``../shared/crm-format.md``) plus the sender's own fields; a
configuration's ``data-model`` is merged over it (``null`` removes a field or an object).

*Samples* are what a template is rendered with: the contacts of a CRM (each with its account,
its own and its account's activities), or built-in records, one with every field filled and one
with only the required ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from ..crm import CRM, Account, Activity, Contact

# Objects whose values come from the CRM; a claim guarded by a condition on them is not
# hard-coded. ``sender`` is the sender's own data, so it guards nothing.
NOT_CRM_OBJECTS = frozenset({"sender"})
LIST_NAMES = {"activities": "activity"}  # a top-level list and the object of its items
MAX_SAMPLES = 64


@dataclass(frozen=True)
class FieldSpec:
    type: str
    required: bool = False


def _fields(spec: str) -> dict[str, FieldSpec]:
    """'email! first_name company:string employees:integer' -> specs ('!' means required)."""
    result = {}
    for word in spec.split():
        required = word.endswith("!")
        name, _, kind = word.rstrip("!").partition(":")
        result[name] = FieldSpec(kind or "string", required)
    return result


DEFAULT_MODEL: dict[str, dict[str, FieldSpec]] = {
    "contact": _fields(
        "email:email! first_name last_name company title industry lifecycle_stage "
        "email_opt_out:boolean do_not_contact:boolean consent country owner:email "
        "interests:list"),
    "account": _fields("company! domain industry employees:integer"),
    "activity": _fields(
        "contact_email:email company type! date:date! subject detail owner:email"),
    "sender": _fields("name! email:email! company! title! address! phone!"),
}


@dataclass(frozen=True)
class DataModel:
    """Objects and their fields; see the module docstring."""

    objects: Mapping[str, Mapping[str, FieldSpec]]

    @classmethod
    def from_config(cls, declared: Mapping[str, Any] | None) -> DataModel:
        objects = {name: dict(specs) for name, specs in DEFAULT_MODEL.items()}
        for name, specs in (declared or {}).items():
            if specs is None:
                objects.pop(name, None)
                continue
            target = objects.setdefault(name, {})
            for field_name, spec in specs.items():
                if spec is None:
                    target.pop(field_name, None)
                elif isinstance(spec, str):
                    target[field_name] = FieldSpec(spec)
                else:
                    target[field_name] = FieldSpec(spec["type"], bool(spec.get("required")))
        return cls(objects)

    def variables(self) -> dict[str, tuple[str, str]]:
        """Top-level variable -> ("rec", object) or ("list", object)."""
        names: dict[str, tuple[str, str]] = {}
        for name in self.objects:
            listed = next((lst for lst, item in LIST_NAMES.items() if item == name), None)
            if listed:
                names[listed] = ("list", name)
            else:
                names[name] = ("rec", name)
        return names

    def crm_variables(self) -> frozenset[str]:
        """Top-level variables whose values come from the CRM."""
        return frozenset(name for name, (_, obj) in self.variables().items()
                         if obj not in NOT_CRM_OBJECTS)

    def field(self, obj: str, name: str) -> FieldSpec | None:
        return self.objects.get(obj, {}).get(name)


# -- samples ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One set of records a template is rendered with; ``email`` is the recipient."""

    name: str
    email: str
    context: dict[str, Any] = field(hash=False, compare=False)
    crm: CRM = field(hash=False, compare=False)
    fullness: int = 0


def samples_from_crm(crm: CRM, model: DataModel, today: date,
                     limit: int = MAX_SAMPLES) -> list[Sample]:
    """Up to ``limit`` contacts of ``crm`` (all of them when they fit; else the first contact
    of each kind: stage, empty fields, activity types), rendered against ``crm`` itself."""
    contacts = list(crm.contacts)
    if len(contacts) > limit:
        contacts = _diverse(crm, contacts, limit)
    return [_crm_sample(crm, contact, model, today) for contact in contacts]


def _diverse(crm: CRM, contacts: list[Contact], limit: int) -> list[Contact]:
    chosen: list[Contact] = []
    seen: set[tuple] = set()
    for contact in contacts:
        signature = (
            contact.lifecycle_stage,
            tuple(f.name for f in fields(Contact) if not getattr(contact, f.name)),
            tuple(sorted({a.type for a in crm.activities_for(contact.email)})),
            crm.account_for(contact.email) is None,
        )
        if signature not in seen:
            seen.add(signature)
            chosen.append(contact)
        if len(chosen) >= limit:
            return chosen
    rest = [c for c in contacts if c not in chosen]
    return chosen + rest[:limit - len(chosen)]


def _crm_sample(crm: CRM, contact: Contact, model: DataModel, today: date) -> Sample:
    account = crm.account_for(contact.email)
    rows = list(crm.activities_for(contact.email))
    if account is not None:
        rows.extend(row for row in crm.account_activities(account.company) if row not in rows)
    rows.sort(key=lambda row: row.date)
    context: dict[str, Any] = {"contact": _record(contact)}
    if account is not None:
        context["account"] = _record(account)
    context["activities"] = [_record(row) for row in rows]
    context["sender"] = _sender(contact.owner)
    for name in _custom_objects(model):
        context[name] = _synthetic(model.objects[name], today, full=True)
    fullness = len(context["contact"]) + len(context.get("account", {})) + len(rows)
    return Sample(contact.email, contact.email, context, crm, fullness)


def _record(record: Contact | Account | Activity) -> dict[str, Any]:
    """A CRM record as a template sees it: empty cells are left out (so ``default`` applies)."""
    values: dict[str, Any] = {}
    for item in fields(record):
        if item.name == "extra":
            continue
        value = getattr(record, item.name)
        if value is None or value == "" or value == ():
            continue
        values[item.name] = list(value) if isinstance(value, tuple) else value
    for key, value in record.extra.items():
        if value not in (None, "") and key not in values:
            values[key] = value
    return values


def _sender(owner: str | None) -> dict[str, Any]:
    sender = dict(BUILTIN_SENDER)
    if owner:
        sender["email"] = owner
        local = owner.split("@")[0]
        sender["name"] = " ".join(part.capitalize() for part in local.replace("_", ".").split("."))
    return sender


def _custom_objects(model: DataModel) -> list[str]:
    return [name for name in model.objects
            if name not in DEFAULT_MODEL and name not in LIST_NAMES.values()]


BUILTIN_SENDER = {
    "name": "Sam Sender", "email": "sam.sender@example.net", "company": "Example Sender Co",
    "title": "Account Executive", "address": "1 Example Street, Springfield, IL 62701, USA",
    "phone": "+1 555 0100",
}
_FULL_CONTACT = {
    "email": "alex.sample@example.com", "first_name": "Alex", "last_name": "Sample",
    "company": "Example Corp", "title": "Head of Operations", "industry": "Software",
    "lifecycle_stage": "opportunity", "email_opt_out": False, "do_not_contact": False,
    "consent": "express", "country": "US", "owner": "sam.sender@example.net",
    "interests": ["forecasting", "pipeline analytics"],
}
_FULL_ACCOUNT = {"company": "Example Corp", "domain": "example.com", "industry": "Software",
                 "employees": 250}
_ACTIVITY_ROWS = (  # type, days ago, subject, detail
    ("content_download", 60, "Sample Buyer's Guide", None),
    ("event_attended", 45, "Sample Conference", "Visited the booth"),
    ("meeting", 44, "Sample Conference booth conversation", "Talked about reporting"),
    ("call", 30, "Discovery call", "Reporting needs"),
    ("account_event", 20, "Series A", "Raised a Series A round"),
)


def builtin_samples(model: DataModel, today: date) -> list[Sample]:
    """A contact with every field filled (and an account and activities) and one with only
    the required fields (no account, no activities)."""
    full_contact = _complete(model.objects.get("contact", {}), _FULL_CONTACT, today)
    full_account = _complete(model.objects.get("account", {}), _FULL_ACCOUNT, today)
    activity_spec = model.objects.get("activity", {})
    rows = []
    for kind, days, subject, detail in _ACTIVITY_ROWS:
        row = {"contact_email": full_contact["email"], "type": kind,
               "date": today - timedelta(days=days), "subject": subject,
               "owner": BUILTIN_SENDER["email"]}
        if detail:
            row["detail"] = detail
        if kind == "account_event":
            row.pop("contact_email")
            row["company"] = full_account["company"]
        rows.append(_complete(activity_spec, row, today))
    empty_contact = {name: _value(name, spec, today)
                     for name, spec in model.objects.get("contact", {}).items() if spec.required}
    empty_contact["email"] = "jo.empty@example.org"
    result = []
    for name, contact, account, activities in (
            ("the built-in full sample", full_contact, full_account, rows),
            ("the built-in empty sample", empty_contact, None, [])):
        context: dict[str, Any] = {"contact": contact}
        if account is not None:
            context["account"] = account
        context["activities"] = activities
        context["sender"] = _complete(model.objects.get("sender", {}), BUILTIN_SENDER, today)
        for custom in _custom_objects(model):
            context[custom] = _synthetic(model.objects[custom], today, full=account is not None)
        crm = CRM([_contact(contact)], [_account(account)] if account else [],
                  [_activity(row) for row in activities], source=name)
        fullness = len(contact) + len(account or {}) + len(activities)
        result.append(Sample(name, contact["email"], context, crm, fullness))
    return result


def _complete(specs: Mapping[str, FieldSpec], values: Mapping[str, Any],
              today: date) -> dict[str, Any]:
    """``values`` plus a sample value for every declared field they lack."""
    result = dict(values)
    for name, spec in specs.items():
        result.setdefault(name, _value(name, spec, today))
    return result


def _synthetic(specs: Mapping[str, FieldSpec], today: date, full: bool) -> dict[str, Any]:
    return {name: _value(name, spec, today) for name, spec in specs.items()
            if full or spec.required}


def _value(name: str, spec: FieldSpec, today: date) -> Any:
    words = name.replace("_", " ")
    return {
        "string": f"Sample {words}",
        "integer": 100,
        "number": 1.5,
        "boolean": True,
        "date": today - timedelta(days=30),
        "list": [f"sample {words}"],
        "email": f"{name.replace('_', '.')}@example.com",
        "url": "https://example.com",
    }.get(spec.type, f"Sample {words}")


def _known(cls: type, values: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)} - {"extra"}
    known = {k: v for k, v in values.items() if k in names}
    extra = {k: str(v) for k, v in values.items() if k not in names}
    if "interests" in known:
        known["interests"] = tuple(known["interests"])
    return {**known, "extra": extra} if extra else known


def _contact(values: Mapping[str, Any]) -> Contact:
    return Contact(**_known(Contact, values))


def _account(values: Mapping[str, Any]) -> Account:
    return Account(**_known(Account, values))


def _activity(values: Mapping[str, Any]) -> Activity:
    known = _known(Activity, values)
    known.setdefault("contact_email", None)
    known.setdefault("company", None)
    return Activity(**known)


def empty_in(samples: Iterable[Sample], variable: str, obj: str, name: str) -> list[str]:
    """The samples in which field ``name`` of ``variable`` (a record, or the items of a list)
    is empty or missing."""
    empty = []
    for sample in samples:
        value = sample.context.get(variable)
        if isinstance(value, list):
            if any(_blank(item.get(name)) for item in value if isinstance(item, dict)):
                empty.append(sample.name)
        elif not isinstance(value, dict) or _blank(value.get(name)):
            empty.append(sample.name)
    return empty


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()
