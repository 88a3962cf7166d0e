"""What the API reads and writes, as pydantic models (validated and documented once)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from portal.advocates.models import Industry, Region
from portal.opportunities.models import ApprovalMode, OpportunityType

MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    if "\0" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_no_nul)]


class Strict(BaseModel):
    """Request bodies: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# --- problems ------------------------------------------------------------------


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str = ""
    errors: list[FieldError] | None = None


# --- lists -----------------------------------------------------------------------


class PageQuery(Strict):
    cursor: str | None = Field(None, max_length=200, description="From the previous page's `next`")
    limit: int = Field(50, ge=1, le=200)


class SinceQuery(PageQuery):
    updated_since: AwareDatetime | None = Field(
        None, description="Only what changed at or after this time (incremental sync)"
    )


# --- the token itself --------------------------------------------------------------


class UserRef(BaseModel):
    id: int
    name: str
    role: str


class TokenInfo(BaseModel):
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None
    user: UserRef


# --- advocates and accounts ----------------------------------------------------------


class BadgeRef(BaseModel):
    slug: str
    name: str


class Advocate(BaseModel):
    id: int
    name: str
    email: str | None = Field(None, description="Only for staff tokens and the advocate's own")
    bio: str
    title: str | None
    account_id: int | None
    account_name: str | None
    tier: str | None
    points: int
    badges: list[BadgeRef]
    on_public_showcase: bool = Field(description="Their name is on the public showcase")
    show_on_leaderboard: bool
    active: bool


class AdvocateList(BaseModel):
    items: list[Advocate]
    next: str | None


class AdvocateQuery(PageQuery):
    account_id: Id | None = None


class Job(BaseModel):
    id: int
    advocate_id: int
    advocate_name: str
    account_id: int
    account_name: str
    title: str
    started_on: date
    ended_on: date | None


class Account(BaseModel):
    id: int
    name: str
    kind: str
    industry: str
    region: str
    size_band: str
    crm_id: str | None
    owner_id: int | None
    domains: list[str]


class AccountDetail(Account):
    employment: list[Job]


class AccountList(BaseModel):
    items: list[Account]
    next: str | None


class AccountQuery(PageQuery):
    industry: Industry | None = None
    region: Region | None = None
    crm_id: str | None = Field(None, max_length=64)


class JobList(BaseModel):
    items: list[Job]


# --- opportunities and participations --------------------------------------------------


class Opportunity(BaseModel):
    id: int
    type: str
    title: str
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    is_online: bool
    location: str
    seats: int
    seats_taken: int
    application_deadline: datetime
    points: int
    approval_mode: str
    state: str
    min_tier_id: int | None
    industries: list[str]
    regions: list[str]
    product_ids: list[int]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class OpportunityList(BaseModel):
    items: list[Opportunity]
    next: str | None


class OpportunityQuery(SinceQuery):
    state: Literal["draft", "published", "closed", "cancelled"] | None = None
    type: OpportunityType | None = None


class NewOpportunity(Strict):
    type: OpportunityType
    title: Text = Field(min_length=1, max_length=160)
    summary: Text = Field("", max_length=300)
    description: Text = Field("", max_length=20000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: str = Field(description="IANA time zone the dates were chosen in", max_length=64)
    is_online: bool = False
    location: Text = Field("", max_length=200)
    seats: int = Field(ge=1, le=10000)
    application_deadline: AwareDatetime
    points: int | None = Field(None, ge=0, le=100000, description="None: the type's default")
    approval_mode: ApprovalMode = ApprovalMode.REVIEW
    min_tier_id: Id | None = None
    industries: list[Industry] = Field(default_factory=list, max_length=20)
    regions: list[Region] = Field(default_factory=list, max_length=10)
    product_ids: list[Id] = Field(default_factory=list, max_length=100)


class Participation(BaseModel):
    id: int
    opportunity_id: int
    advocate_id: int
    status: str
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    completed_at: datetime | None


class ParticipationList(BaseModel):
    items: list[Participation]
    next: str | None


class ParticipationQuery(SinceQuery):
    opportunity_id: Id | None = None
    advocate_id: Id | None = None
    status: (
        Literal[
            "invited",
            "applied",
            "approved",
            "waitlisted",
            "declined",
            "withdrawn",
            "completed",
            "no_show",
        ]
        | None
    ) = None


class NewDecision(Strict):
    decision: Literal["approve", "waitlist", "decline"]
    message: Text = Field("", max_length=1000, description="Shown to the advocate")


# --- the ledger and badges -----------------------------------------------------------------


class LedgerEntry(BaseModel):
    id: int
    advocate_id: int
    points: int
    source: str
    source_id: int | None
    reason: str
    awarded_by_id: int | None
    corrects_id: int | None
    created_at: datetime


class LedgerEntryList(BaseModel):
    items: list[LedgerEntry]
    next: str | None


class LedgerQuery(PageQuery):
    advocate_id: Id | None = None
    created_since: AwareDatetime | None = None


class NewAward(Strict):
    advocate_id: Id
    points: int = Field(ge=-100000, le=100000, description="Negative for a deduction")
    reason: Text = Field(min_length=1, max_length=200)
    confirm_below_zero: bool = Field(
        False, description="Required when a deduction takes the advocate below zero points"
    )


class NewReversal(Strict):
    reason: Text = Field(min_length=1, max_length=200)
    confirm_below_zero: bool = False


class Badge(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    rule_kind: str
    active: bool


class BadgeList(BaseModel):
    items: list[Badge]
    next: str | None


class BadgeAward(BaseModel):
    id: int
    badge_id: int
    badge_slug: str
    advocate_id: int
    awarded_at: datetime
    evidence: str
    revoked_at: datetime | None


class BadgeAwardList(BaseModel):
    items: list[BadgeAward]
    next: str | None


class BadgeAwardQuery(PageQuery):
    advocate_id: Id | None = None
    badge_id: Id | None = None
    updated_since: AwareDatetime | None = None
