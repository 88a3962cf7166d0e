"""Every route, every form field and every URL parameter, fed hostile input: never a 500.

The crawl discovers what to attack instead of listing it, so a new page is
covered the day it is added: routes come from `app.url_map`, forms and query
parameters from the pages themselves (each GET page rendered for each role and
parsed with html.parser). Each input class -- a NUL byte, integers beyond the
database's range, dates at the edges of the calendar, whitespace only, and
oversized values (text, and an image that decodes to far too many pixels) --
goes to every field and parameter, as anonymous, advocate and manager (and as
admin, for the pages only admins may open). At the end every page is read
again by people in far-apart time zones, so that nothing an attack got stored
can break a page for someone else.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from flask import Flask
from PIL import Image
from werkzeug.routing import Rule

from portal.advocates.models import DiscussionTopic
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.opportunities.models import ApprovalMode, OpportunityState
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition import badges
from portal.recognition.models import BadgeAward, PointsEntry
from portal.references import asks
from portal.settings import set_setting
from portal.stories.models import Story
from tests.conftest import wipe_database
from tests.factories import PASSWORD, password_hash
from tests.references.helpers import new_request, open_to_references

NUL = "a\x00b"
BLANK = " \t "
# 2**63: past PostgreSQL's INTEGER (every id) and past any 64-bit integer (SQLite's).
BEYOND = "9223372036854775808"
OVERSIZED = "x" * 100_000
# Year 1 and year 9999, in the format each kind of field takes.
EDGES = {
    "date": ("0001-01-01", "9999-12-31"),
    "datetime-local": ("0001-01-01T00:00", "9999-12-31T23:59"),
}


def hostile(kind: str = "text") -> list[str]:
    """A value of each input class for a field of this kind."""
    edges = EDGES.get(kind, ("9999-12-31T23:59",))
    return [NUL, BLANK, BEYOND, *edges, OVERSIZED]


HOSTILE_PATH_INT = ["2147483648", BEYOND, "1" + "0" * 30]
HOSTILE_PATH_TEXT = ["a%00b", "x" * 3000, BEYOND]
# Query parameters every page may be sent, whether or not it reads them; the
# ones starting with "_" are url_for's own and must never reach it.
ALWAYS_TRY = ["page", "next", "q", "_external", "_method", "_anchor", "_scheme"]
# The roles of the people who read every page again at the end, with far-apart zones.
VIEWER_ZONES = {"advocate": "Pacific/Kiritimati", "manager": "Pacific/Pago_Pago"}
# Values for fields shown empty, by input type.
PLAUSIBLE = {
    "text": "Crawl",
    "textarea": "Crawl",
    "search": "Crawl",
    "email": "crawl@example.com",
    "password": "crawl horse battery",
    "number": "2",
    "date": "2030-01-02",
    "datetime-local": "2030-01-02T10:00",
}
# Posting this form would end the crawler's own session.
SIGN_OUT = "/auth/sign-out"


@functools.cache
def pixel_bomb() -> bytes:
    """A small PNG that decodes to 12000 x 12000 pixels."""
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- reading pages -------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, kind, value
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def baseline(self) -> dict[str, list[str]]:
        """What the form sends as shown, with empty fields filled in plausibly, so that
        one hostile value reaches the code behind an otherwise valid form."""
        data: dict[str, list[str]] = {}
        for name, kind, value in self.fields:
            if kind == "file" or kind.endswith("-unchecked"):
                continue
            data.setdefault(name, []).append(value or PLAUSIBLE.get(kind, ""))
        if self.buttons:
            name, value = self.buttons[0]
            data.setdefault(name, []).append(value)
        return data

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys([n for n, _, _ in self.fields] + [n for n, _ in self.buttons]))

    def dates(self) -> dict[str, str]:
        """The date and time fields, by the format they take."""
        return {n: kind for n, kind, _ in self.fields if kind in ("date", "datetime-local")}

    def kinds(self, *kinds: str) -> list[str]:
        return list(dict.fromkeys(n for n, kind, _ in self.fields if kind in kinds))


class PageParser(HTMLParser):
    """The forms of a page (fields with what they would send) and its local links."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action") or self.url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "name" not in a or "disabled" in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append((a["name"], a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((a["name"], kind, a.get("value", "on")))
                elif a["name"] not in self._form.names:
                    # Not sent unless checked, but still a field to attack.
                    self._form.fields.append((a["name"], kind + "-unchecked", ""))
            else:
                self._form.fields.append((a["name"], kind, a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, values, chosen = self._select
            self._form.fields.append((name, "select", (chosen or values or [""])[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "textarea", self._textarea[1].strip()))
            self._textarea = None


# --- the world the crawl runs in ------------------------------------------------


@dataclass
class World:
    values: dict[str, str]  # URL parameter name -> an existing value
    people: dict[str, User]


def build_world(app: Flask, make) -> World:
    manager = make.manager(name="Mona Manager")
    admin = make.admin(name="Ari Admin")
    advocate = make.advocate(name="Ada Advocate", public=True)
    other = make.advocate(name="Otto Other", public=True)
    product = make.product()
    account = make.account()
    first_come = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=2, created_by=manager)
    review = make.opportunity(created_by=manager)
    make.opportunity(state=OpportunityState.DRAFT, created_by=manager)
    started = make.opportunity(
        starts_at=utcnow() - timedelta(hours=1), deadline=utcnow() - timedelta(days=2)
    )
    own = make.participation(first_come, advocate, S.APPROVED)
    make.participation(first_come, other, S.APPROVED)
    make.participation(review, other, S.APPLIED)
    make.participation(review, advocate, S.WAITLISTED)
    make.participation(started, advocate, S.APPROVED)
    make.points(advocate, 150)
    with app.app_context():
        badge, _ = badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Hundred club",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 100, "period": "all"},
                color="#4338ca",
            ),
            by=db.session.get(User, manager.id),
        )
        story = Story(advocate_id=advocate.id, title="Our story", body="It **worked**.")
        db.session.add(story)
        for role, zone in VIEWER_ZONES.items():
            db.session.get(
                User, {"advocate": advocate, "manager": manager}[role].id
            ).timezone = zone
        set_setting("registration_mode", "open")  # so the registration form is there
        db.session.commit()
        topic = DiscussionTopic(name="Zero trust")
        db.session.add(topic)
        open_to_references(advocate, other)
        request = new_request(manager, topic_ids=[topic.id], competitor_ids=[account.id])
        (ask,) = asks.ask_candidates(request, [advocate.id], by=db.session.get(User, manager.id))
        db.session.commit()
        award = db.session.scalar(db.select(BadgeAward).where(BadgeAward.badge_id == badge.id))
        entry = db.session.scalar(db.select(PointsEntry))
        values = {
            "opportunity_id": first_come.id,
            "participation_id": own.id,
            "user_id": advocate.id,
            "story_id": story.id,
            "badge_id": badge.id,
            "slug": badge.slug,
            "uid": award.uid,
            "award_id": award.id,
            "entry_id": entry.id,
            "product_id": product.id,
            "account_id": account.id,
            "tier_id": 1,
            "request_id": request.id,
            "ask_id": ask.id,
            "topic_id": topic.id,
        }
    return World(
        values={key: str(value) for key, value in values.items()},
        people={"advocate": advocate, "manager": manager, "admin": admin},
    )


def _converters(rule: Rule) -> dict[str, str]:
    return {name: type(conv).__name__ for name, conv in rule._converters.items()}


def urls_for(rule: Rule, values: dict[str, str]) -> dict[str, str]:
    """The rule's path with existing values (unknown names get "1"), by argument."""
    return {arg: values.get(arg, "1") for arg in rule.arguments}


def build(rule: Rule, args: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", args[name], path)
    return path


def crawlable(app: Flask, scope: set[str] | None = None) -> Iterator[Rule]:
    """Every route but the static files (only the endpoints in `scope`, when given)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and (scope is None or rule.endpoint in scope):
            yield rule


def refused_to(app: Flask, client, world: World) -> set[str]:
    """The endpoints of the blueprints with a page that answers 403 to this client: another
    role's alone (roles are checked per blueprint; only GET pages are asked, as a POST
    could change something)."""
    rules = list(crawlable(app))
    refused = {
        rule.endpoint.rpartition(".")[0]
        for rule in rules
        if "GET" in rule.methods
        and client.get(build(rule, urls_for(rule, world.values))).status_code == 403
    }
    return {rule.endpoint for rule in rules if rule.endpoint.rpartition(".")[0] in refused}


# --- the crawl ------------------------------------------------------------------


class Crawler:
    def __init__(self, app: Flask, client, role: str, scope: set[str] | None = None) -> None:
        self.app, self.client, self.role, self.scope = app, client, role, scope
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method: str, url: str, **kwargs):
        self.requests += 1
        response = self.client.open(url, method=method, **kwargs)
        if response.status_code >= 500:
            sent = {
                name: [str(value)[:40] for value in values]
                for name, values in (kwargs.get("data") or {}).items()
            }
            self.failures.append(
                f"{self.role}: {method} {url[:160]} {str(sent)[:400]} -> {response.status_code}"
            )
        return response

    def read_pages(self, world: World) -> tuple[list[Form], dict[str, set[str]]]:
        """GET every page; the forms on them and the query parameters each page is sent."""
        forms: list[Form] = []
        params: dict[str, set[str]] = {}
        seen_forms: set[tuple] = set()
        for rule in crawlable(self.app, self.scope):
            if "GET" not in rule.methods:
                continue
            url = build(rule, urls_for(rule, world.values))
            params.setdefault(url, set(ALWAYS_TRY))
            response = self.send("GET", url)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            parser = PageParser(url)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                key = (form.action, form.method, tuple(form.names))
                if form.action.startswith(SIGN_OUT) or key in seen_forms:
                    continue
                seen_forms.add(key)
                if form.method == "get":
                    target = urlsplit(form.action).path or url
                    params.setdefault(target, set(ALWAYS_TRY)).update(form.names)
                else:
                    forms.append(form)
            for link in parser.links:
                parts = urlsplit(link)
                names = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
                if parts.path in params:
                    params[parts.path].update(names)
        return forms, params

    def attack_paths(self, world: World) -> None:
        for rule in crawlable(self.app, self.scope):
            methods = sorted(rule.methods & {"GET", "POST"})
            good = urls_for(rule, world.values)
            for name, converter in _converters(rule).items():
                is_int = converter in ("IntegerConverter", "DatabaseIdConverter")
                for bad in HOSTILE_PATH_INT if is_int else HOSTILE_PATH_TEXT:
                    for method in methods:
                        self.send(method, build(rule, {**good, name: bad}))

    def attack_queries(self, params: dict[str, set[str]]) -> None:
        for url, names in params.items():
            for name in sorted(names):
                for bad in ["1"] if name.startswith("_") else hostile():
                    self.send("GET", f"{url}?{urlencode({name: bad[:5000]})}")
            for bad in ("1", "http://evil.test/"):
                self.send("GET", f"{url}?_external={quote(bad)}", headers={"Host": "evil.test"})

    def attack_forms(self, forms: list[Form], bomb: bytes) -> None:
        for form in forms:
            kinds = {name: kind for name, kind, _ in form.fields}
            for name in form.names:
                for bad in hostile(kinds.get(name, "text")):
                    self.post(form, {name: [bad]})
            for name in form.kinds("file"):
                self.post(form, {}, files={name: (io.BytesIO(bomb), "bomb.png")})
            # Every field at once; and the dates together, as start, end and deadline
            # must agree for a year-1 or year-9999 opportunity to get through.
            for bad in hostile():
                self.post(form, {name: [bad] for name, _, _ in form.fields})
            dates = form.dates()
            for edge in (0, 1) if dates else ():
                self.post(form, {name: [EDGES[kind][edge]] for name, kind in dates.items()})

    def post(self, form: Form, changes: dict[str, list[str]], files: dict | None = None) -> None:
        data: dict = {**form.baseline(), **changes}
        if files:
            data.update(files)
        self.send(form.method.upper(), form.action, data=data)


def restore_people(app: Flask, world: World) -> None:
    """Undo what the attacks may have done to the crawling people (a deactivation)."""
    with app.app_context():
        for person in world.people.values():
            user = db.session.get(User, person.id)
            user.active, user.role, user.password_hash = True, person.role, password_hash()
        db.session.commit()


def sign_in(client, user: User) -> None:
    response = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("role", ["anonymous", "advocate", "manager", "admin"])
def test_no_input_makes_a_server_error(app, make, role, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    wipe_database(app)
    world = build_world(app, make)
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, world.people[role])
    scope = None
    if role == "admin":
        # Admins may do all that managers may, which the manager's crawl covers:
        # here only what managers are refused.
        manager = app.test_client()
        sign_in(manager, world.people["manager"])
        scope = refused_to(app, manager, world)
        assert scope, "admins have pages of their own"
    crawler = Crawler(app, client, role, scope)
    forms, params = crawler.read_pages(world)
    crawler.attack_paths(world)
    crawler.attack_queries(params)
    crawler.attack_forms(forms, pixel_bomb())

    # Whatever the attacks stored must not break a page for anyone, in any zone.
    restore_people(app, world)
    for reader in ("anonymous", "advocate", "manager"):
        client = app.test_client()
        if reader != "anonymous":
            sign_in(client, world.people[reader])
        rereader = Crawler(app, client, f"{reader} after {role}")
        rereader.read_pages(world)
        crawler.failures += rereader.failures

    assert crawler.failures == [], "\n".join(crawler.failures[:60])
    assert forms and crawler.requests > 500, "the crawl found pages and forms to attack"
