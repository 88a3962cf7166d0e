"""Building reference requests and advocates open to them."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.advocates.models import (
    AdvocateProfile,
    DiscussionTopic,
    Industry,
    OpenType,
    Region,
    SizeBand,
)
from portal.auth.models import User
from portal.extensions import db
from portal.references import requests
from portal.references.models import NEW_CONSENT_KINDS, ReferenceKind, Urgency


def open_to_references(*advocates: User) -> None:
    for advocate in advocates:
        profile = db.session.get(AdvocateProfile, advocate.id)
        have = profile.open_types
        profile.open_type_rows += [
            OpenType(type=k.value) for k in NEW_CONSENT_KINDS if k.value not in have
        ]
    db.session.commit()


def advocates(make, n: int, **kwargs) -> list[User]:
    people = [make.advocate(**kwargs) for _ in range(n)]
    open_to_references(*people)
    return people


def topic(name: str) -> DiscussionTopic:
    row = DiscussionTopic(name=name)
    db.session.add(row)
    db.session.commit()
    return row


def details(**overrides) -> requests.RequestDetails:
    values = dict(
        prospect_account_id=None,
        prospect_name="Prospect Ltd",
        competitor_ids=[],
        industry=Industry.TECHNOLOGY,
        region=Region.EUROPE,
        size_band=SizeBand.LARGE,
        product_ids=[],
        topic_ids=[],
        kind=ReferenceKind.REFERENCE_CALL,
        deal_size=120_000,
        urgency=Urgency.NORMAL,
        needed_by=clock.today() + timedelta(days=14),
        note="They want to hear about the migration.",
    )
    values.update(overrides)
    return requests.RequestDetails(**values)


def new_request(requester: User, **overrides):
    request = requests.create_request(details(**overrides), by=db.session.get(User, requester.id))
    db.session.commit()
    return request
