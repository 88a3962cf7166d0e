"""Test data builders. Each call commits, so the app under test sees the rows.

Inside an application context (the `ctx` fixture) they return attached objects;
outside one they return detached objects with their columns loaded, for tests
that go through the HTTP client.
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import Flask, has_app_context

from portal import clock
from portal.advocates import permissions
from portal.advocates.models import (
    Account,
    AdvocateProfile,
    Employment,
    Industry,
    OpenType,
    Product,
    Region,
    SizeBand,
)
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import (
    ApprovalMode,
    Opportunity,
    OpportunityIndustry,
    OpportunityRegion,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition import ledger, tiers
from portal.recognition.models import PointsSource, Tier

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    @property
    def total(self) -> int:
        return len(self.statements)


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    @contextlib.contextmanager
    def _session(self):
        """Use the active application context, or a short one of our own."""
        if has_app_context():
            yield False
            db.session.commit()
            return
        with self.app.app_context():
            yield True
            db.session.commit()

    def _done(self, detach: bool, *objects):
        if detach:
            for obj in objects:
                db.session.refresh(obj)
                db.session.expunge(obj)
        return objects[0] if len(objects) == 1 else objects

    # --- people ---------------------------------------------------------

    def user(
        self,
        *,
        role: Role = Role.ADVOCATE,
        email: str | None = None,
        name: str | None = None,
        password: bool = True,
        active: bool = True,
        verified: bool = True,
    ) -> User:
        number = next(_numbers)
        with self._session() as detach:
            user = User(
                email=(email or f"person{number}@example.com").lower(),
                name=name or f"Person {number}",
                role=role,
                active=active,
                password_hash=password_hash() if password else None,
                email_verified_at=utcnow() if verified else None,
            )
            db.session.add(user)
            db.session.flush()
            return self._done(detach, user)

    def manager(self, **kwargs) -> User:
        return self.user(role=Role.MANAGER, **kwargs)

    def admin(self, **kwargs) -> User:
        return self.user(role=Role.ADMIN, **kwargs)

    def requester(self, **kwargs) -> User:
        return self.user(role=Role.REQUESTER, **kwargs)

    def account(
        self,
        *,
        name: str | None = None,
        industry: Industry = Industry.TECHNOLOGY,
        region: Region = Region.EUROPE,
    ) -> Account:
        number = next(_numbers)
        with self._session() as detach:
            account = Account(
                name=name or f"Company {number}",
                industry=industry,
                region=region,
                size_band=SizeBand.LARGE,
            )
            db.session.add(account)
            db.session.flush()
            return self._done(detach, account)

    def product(self, name: str | None = None) -> Product:
        with self._session() as detach:
            product = Product(name=name or f"Product {next(_numbers)}")
            db.session.add(product)
            db.session.flush()
            return self._done(detach, product)

    def advocate(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        account: Account | None = None,
        industry: Industry = Industry.TECHNOLOGY,
        region: Region = Region.EUROPE,
        title: str = "Head of Data",
        onboarded: bool = True,
        shown: bool = True,
        public: bool = False,
        max_asks: int = 3,
        open_types: list[OpportunityType] | None = None,
        quiet_until: date | None = None,
        product_ids: list[int] = (),
        active: bool = True,
        password: bool = True,
        verified: bool = True,
    ) -> User:
        if account is None:
            account = self.account(industry=industry, region=region)
        user = self.user(
            email=email, name=name, active=active, password=password, verified=verified
        )
        with self._session() as detach:
            user = db.session.get(User, user.id)
            profile = AdvocateProfile(
                user_id=user.id,
                max_asks_per_quarter=max_asks,
                quiet_until=quiet_until,
                show_on_leaderboard=shown,
                onboarded_at=utcnow() if onboarded else None,
            )
            types = list(OpportunityType) if open_types is None else open_types
            profile.open_type_rows = [OpenType(type=t.value) for t in types]
            db.session.add(profile)
            db.session.flush()
            if public:  # what the welcome step's "show me on the showcase" grants
                permissions.set_public_profile(user, True, by=user)
            if product_ids:
                profile.products = [db.session.get(Product, pid) for pid in product_ids]
            db.session.add(
                Employment(
                    user_id=user.id,
                    account_id=account.id,
                    title=title,
                    started_on=clock.today() - timedelta(days=400),
                )
            )
            db.session.flush()
            if onboarded:
                tiers.join_program(user.id)
            return self._done(detach, user)

    # --- opportunities ---------------------------------------------------

    def opportunity(
        self,
        *,
        created_by: User | None = None,
        title: str | None = None,
        type: OpportunityType = OpportunityType.SPEAKING_PANEL,
        state: OpportunityState = OpportunityState.PUBLISHED,
        starts_at: datetime | None = None,
        duration: timedelta = timedelta(hours=2),
        deadline: datetime | None = None,
        seats: int = 3,
        points: int = 100,
        mode: ApprovalMode = ApprovalMode.REVIEW,
        min_tier: str | None = None,
        industries: list[Industry] = (),
        regions: list[Region] = (),
        product_ids: list[int] = (),
        timezone: str = "Europe/Paris",
    ) -> Opportunity:
        if created_by is None:
            created_by = self.manager()
        starts_at = starts_at or utcnow() + timedelta(days=10)
        with self._session() as detach:
            tier_id = None
            if min_tier:
                tier_id = db.session.scalar(db.select(Tier.id).where(Tier.name == min_tier))
            opportunity = Opportunity(
                type=type,
                title=title or f"Opportunity {next(_numbers)}",
                summary="A chance to share what works.",
                description="## About\n\nDetails **here**.",
                starts_at=starts_at,
                ends_at=starts_at + duration,
                timezone=timezone,
                location="Online",
                is_online=True,
                seats=seats,
                seats_taken=0,
                application_deadline=deadline or starts_at - timedelta(days=2),
                points=points,
                approval_mode=mode,
                state=state,
                min_tier_id=tier_id,
                created_by_id=created_by.id,
            )
            opportunity.industry_rows = [OpportunityIndustry(industry=i.value) for i in industries]
            opportunity.region_rows = [OpportunityRegion(region=r.value) for r in regions]
            if product_ids:
                opportunity.products = [db.session.get(Product, pid) for pid in product_ids]
            db.session.add(opportunity)
            db.session.flush()
            return self._done(detach, opportunity)

    def participation(
        self,
        opportunity: Opportunity,
        advocate: User,
        status: ParticipationStatus = ParticipationStatus.APPLIED,
        note: str = "",
    ) -> Participation:
        with self._session() as detach:
            participation = Participation(
                opportunity_id=opportunity.id, advocate_id=advocate.id, status=status, note=note
            )
            if status == ParticipationStatus.WAITLISTED:
                participation.waitlisted_at = utcnow()
            db.session.add(participation)
            if status in (ParticipationStatus.APPROVED, ParticipationStatus.COMPLETED):
                db.session.execute(
                    db.update(Opportunity)
                    .where(Opportunity.id == opportunity.id)
                    .values(seats_taken=Opportunity.seats_taken + 1)
                )
            db.session.flush()
            return self._done(detach, participation)

    def points(
        self, advocate: User, points: int, *, at: datetime | None = None, key: str | None = None
    ) -> None:
        with self._session():
            ledger.award(
                advocate.id,
                points,
                reason="Test award",
                key=key or f"test:{next(_numbers)}",
                source=PointsSource.MANUAL,
                at=at,
            )
