"""What importing a file would do, row by row: created, updated, unchanged or rejected.

The plan reads the database but changes nothing; the dry run shows it, and
applying it writes exactly what it lists (see transfer.importer). Companies
are keyed by their CRM id, else by name (case-insensitive); people by email.
A person whose company changes *moves* (a new employment row).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.advocates.employment import current_job
from portal.advocates.models import Account, Employment, Industry, Region, SizeBand
from portal.auth.models import Role, User
from portal.auth.services import is_valid_email, normalize_email
from portal.enums import LabeledEnum
from portal.extensions import db
from portal.transfer.reading import data_rows

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, REJECTED)
# Rows of people read from the database at once (within SQLite's parameter limit).
CHUNK = 900
ACCOUNT_FIELDS = ("industry", "region", "size_band")
# Upper bounds of the size bands, in employees.
SIZE_BOUNDS = (
    (200, SizeBand.SMALL),
    (1_000, SizeBand.MIDSIZE),
    (5_000, SizeBand.LARGE),
    (20_000, SizeBand.ENTERPRISE),
)


class Rejected(Exception):
    """A row that can't be imported; the message says why."""


@dataclass
class NewAccount:
    name: str
    crm_id: str | None
    industry: Industry
    region: Region
    size_band: SizeBand


# An account: ("id", account id) for one that exists, ("new", key) for one the file adds.
AccountRef = tuple[str, object]


@dataclass
class Plan:
    rows: list[list] = field(default_factory=list)  # [row, email, outcome, reason]
    counts: Counter = field(default_factory=Counter)
    new_accounts: dict[str, NewAccount] = field(default_factory=dict)
    account_updates: dict[int, dict] = field(default_factory=dict)
    new_people: list[dict] = field(default_factory=list)
    name_updates: dict[int, str] = field(default_factory=dict)
    title_updates: dict[int, str] = field(default_factory=dict)  # employment id -> title
    moves: list[tuple[int, AccountRef, str]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.counts[REJECTED]

    def add(self, row: int, email: str, outcome: str, reason: str = "") -> None:
        self.rows.append([row, email, outcome, reason])
        self.counts[outcome] += 1


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@functools.lru_cache(maxsize=64)
def _labels(enum_class: type[LabeledEnum], locale: str) -> dict[LabeledEnum, tuple[str, str]]:
    """Each member's label in English and in `locale` (the current one), worked out once
    per process rather than for every row of a file."""
    with force_locale("en"):
        english = {member: _normal(str(member.label)) for member in enum_class}
    return {member: (english[member], _normal(str(member.label))) for member in enum_class}


def parse_choice(enum_class: type[LabeledEnum], raw: str) -> LabeledEnum:
    """A value or label of the enum (in English, as CRMs write them, or in the reader's
    language), or the start of one label ("Healthcare")."""
    key = _normal(raw)
    labels = _labels(enum_class, str(get_locale()))
    for member in enum_class:
        if key == _normal(member.value) or key in labels[member]:
            return member
    starting = [m for m in enum_class if any(label.startswith(key) for label in labels[m])]
    if key and len(starting) == 1:
        return starting[0]
    choices = ", ".join(str(m.label) for m in enum_class)
    raise Rejected(_("“%(value)s” is not one of: %(choices)s", value=raw, choices=choices))


def parse_size(raw: str) -> SizeBand:
    """A size band, or a number of employees (the larger end of a range like 201-500)."""
    numbers = re.findall(r"\d+", raw.replace(",", "").replace(".", ""))
    if not numbers:
        return parse_choice(SizeBand, raw)
    employees = int(numbers[-1])
    return next((band for bound, band in SIZE_BOUNDS if employees <= bound), SizeBand.GLOBAL)


@dataclass
class _Person:
    id: int
    name: str
    role: Role
    employment_id: int | None
    account_id: int | None
    title: str


def _people(emails: list[str]) -> dict[str, _Person]:
    found = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start : start + CHUNK]
        for row in db.session.execute(
            sa.select(
                User.email,
                User.id,
                User.name,
                User.role,
                Employment.id,
                Employment.account_id,
                Employment.title,
            )
            .outerjoin(Employment, current_job(User.id))
            .where(User.email.in_(chunk))
        ):
            found[row[0]] = _Person(*row[1:5], row[5], row[6] or "")
    return found


class _Accounts:
    """The companies known so far: in the database, and the ones the file adds."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        rows = db.session.execute(
            sa.select(Account.id, Account.name, Account.crm_id, *_account_columns())
        ).all()
        self.by_id = {row.id: row for row in rows}
        self.by_crm = {row.crm_id: row.id for row in rows if row.crm_id}
        self.by_name = {row.name.lower(): row.id for row in rows}
        self.names = {ref_id: row.name for ref_id, row in self.by_id.items()}
        # What the first row naming each company said of it, to catch rows that disagree.
        self.seen: dict[AccountRef, tuple[int, dict]] = {}

    def resolve(self, number: int, name: str, crm_id: str, given: dict) -> AccountRef:
        ref = self._find(name, crm_id)
        if ref is None:
            missing = [label for key, label in _LABELS.items() if key not in given]
            if not name:
                raise Rejected(
                    _(
                        "no company has the CRM id %(crm_id)s, and the row has no name",
                        crm_id=crm_id,
                    )
                )
            if missing:
                raise Rejected(
                    _(
                        "“%(name)s” is a new company: give its %(fields)s",
                        name=name,
                        fields=", ".join(str(label) for label in missing),
                    )
                )
            key = f"crm:{crm_id}" if crm_id else f"name:{name.lower()}"
            self.plan.new_accounts[key] = NewAccount(name, crm_id or None, **given)
            self.by_name[name.lower()] = ref = ("new", key)
            if crm_id:
                self.by_crm[crm_id] = ref
        self._check_same_as_before(number, ref, {"name": name, "crm_id": crm_id, **given})
        return ref

    def _find(self, name: str, crm_id: str) -> AccountRef | None:
        if crm_id and crm_id in self.by_crm:
            found = self.by_crm[crm_id]
            return found if isinstance(found, tuple) else ("id", found)
        if name and name.lower() in self.by_name:
            found = self.by_name[name.lower()]
            ref = found if isinstance(found, tuple) else ("id", found)
            if crm_id and ref[0] == "id" and self.by_id[ref[1]].crm_id:
                raise Rejected(
                    _(
                        "“%(name)s” has the CRM id %(ours)s in the portal, %(theirs)s in the file",
                        name=name,
                        ours=self.by_id[ref[1]].crm_id,
                        theirs=crm_id,
                    )
                )
            return ref
        return None

    def _check_same_as_before(self, number: int, ref: AccountRef, values: dict) -> None:
        values = {key: value for key, value in values.items() if value}
        first = self.seen.setdefault(ref, (number, values))
        if any(first[1].get(key, value) != value for key, value in values.items()):
            raise Rejected(_("the company's details differ from row %(row)s", row=first[0]))

    def changes(self, ref: AccountRef, name: str, crm_id: str, given: dict) -> dict:
        """What this row changes of an existing company (empty for new ones and repeats)."""
        if ref[0] != "id" or ref[1] in self.plan.account_updates:
            return {}
        current = self.by_id[ref[1]]
        changed = {key: value for key, value in given.items() if getattr(current, key) != value}
        if crm_id and not current.crm_id:
            changed["crm_id"] = crm_id
        if name and crm_id and name != current.name:
            if self.by_name.get(name.lower(), ref[1]) not in (ref[1], ref):
                raise Rejected(_("another company is called “%(name)s”", name=name))
            changed["name"] = name
        if changed:
            self.plan.account_updates[ref[1]] = changed
        return changed

    def name_of(self, ref: AccountRef) -> str:
        return self.plan.new_accounts[ref[1]].name if ref[0] == "new" else self.names[ref[1]]


_LABELS = {"industry": _l("industry"), "region": _l("region"), "size_band": _l("size")}


def _account_columns() -> list:
    return [getattr(Account, name) for name in ACCOUNT_FIELDS]


def _given_account_fields(cell: Callable[[str], str]) -> dict:
    given = {}
    if cell("industry"):
        given["industry"] = parse_choice(Industry, cell("industry"))
    if cell("region"):
        given["region"] = parse_choice(Region, cell("region"))
    if cell("size_band"):
        given["size_band"] = parse_size(cell("size_band"))
    return given


def make_plan(
    text: str,
    delimiter: str,
    headers: list[str],
    mapping: dict[str, str],
    report: Callable[[int], None] = lambda done: None,
) -> Plan:
    """Every row's outcome, and the changes that applying the file would make."""
    plan = Plan()
    columns = {field: headers.index(column) for field, column in mapping.items() if column}
    records = list(data_rows(text, delimiter))
    emails = {
        normalize_email(cells[columns["email"]])
        for _number, cells in records
        if len(cells) > columns["email"]
    }
    people = _people(sorted(emails))
    accounts = _Accounts(plan)
    first_row: dict[str, tuple[int, list[str]]] = {}
    for done, (number, cells) in enumerate(records, 1):
        email = ""
        try:
            if len(cells) != len(headers):
                raise Rejected(
                    _(
                        "it has %(cells)s cells; the header has %(columns)s",
                        cells=len(cells),
                        columns=len(headers),
                    )
                )

            def cell(field: str, cells=cells) -> str:
                return cells[columns[field]].strip() if field in columns else ""

            email = normalize_email(cell("email"))
            if not is_valid_email(email):
                raise Rejected(_("“%(value)s” is not an email address", value=cell("email")))
            if email in first_row:
                earlier, earlier_cells = first_row[email]
                if earlier_cells == cells:
                    plan.add(number, email, UNCHANGED, _("repeats row %(row)s", row=earlier))
                    continue
                raise Rejected(_("the same email as row %(row)s, with other details", row=earlier))
            first_row[email] = (number, cells)
            _plan_row(plan, accounts, people.get(email), number, email, cell)
        except Rejected as refusal:
            plan.add(number, email, REJECTED, str(refusal))
        if done % 1000 == 0:
            report(done)
    report(len(records))
    return plan


def _plan_row(
    plan: Plan,
    accounts: _Accounts,
    person: _Person | None,
    number: int,
    email: str,
    cell: Callable[[str], str],
) -> None:
    name = cell("name") or " ".join(p for p in (cell("first_name"), cell("last_name")) if p)
    name, title = name[:120], cell("title")[:120]
    account_name, crm_id = cell("account_name")[:160], cell("account_crm_id")[:64]
    if not (account_name or crm_id):
        raise Rejected(_("no company: give its name or CRM id"))
    if person is not None and person.role != Role.ADVOCATE:
        raise Rejected(_("this email belongs to a staff account"))
    if person is None and not name:
        raise Rejected(_("a new person needs a name"))
    given = _given_account_fields(cell)
    ref = accounts.resolve(number, account_name, crm_id, given)
    company_changes = accounts.changes(ref, account_name, crm_id, given)
    if person is None:
        plan.new_people.append({"email": email, "name": name, "title": title, "account": ref})
        plan.add(number, email, CREATED)
        return
    changed = []
    if name and name != person.name:
        plan.name_updates[person.id] = name
        changed.append(_("name"))
    if ref != ("id", person.account_id):
        plan.moves.append((person.id, ref, title or person.title))
        changed.append(_("moves to %(company)s", company=accounts.name_of(ref)))
    elif title and title != person.title:
        plan.title_updates[person.employment_id] = title
        changed.append(_("title"))
    if company_changes:
        fields = ", ".join(sorted(company_changes)).replace("_", " ")
        changed.append(_("company %(fields)s", fields=fields))
    plan.add(number, email, UPDATED if changed else UNCHANGED, "; ".join(changed))
