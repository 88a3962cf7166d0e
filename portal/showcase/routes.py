"""The public showcase: advocates who chose to be shown, their badges, stories and work.

No sign-in needed. Who appears here is decided in one place
(`advocates.visibility.shown_publicly`).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from sqlalchemy.orm import contains_eager

from portal.advocates.accounts import active_products
from portal.advocates.employment import current_jobs, works_in
from portal.advocates.models import AdvocateProfile, ConsentAsset, Industry, advocate_product
from portal.advocates.visibility import public_advocates, public_uses
from portal.auth.models import User
from portal.db import contains_text, read_only
from portal.extensions import db
from portal.inputs import id_arg, page_number
from portal.recognition import badges, tiers
from portal.recognition.models import Tier
from portal.showcase import bp
from portal.showcase.people import public_profile
from portal.stories.services import public_stories
from portal.urls import query_args


@bp.get("/people")
def directory():
    return redirect(url_for("showcase.index", **query_args("industry", "product", "page")), 301)


@bp.get("/showcase")
@read_only
def index():
    """Advocates who made their profile public."""
    industry = request.args.get("industry", "")
    product_id = id_arg("product")
    text = request.args.get("q", "").strip()[:100]
    # Holders of a featured tier first, then by name.
    featured = (
        sa.select(Tier.featured).where(Tier.id == AdvocateProfile.current_tier_id).scalar_subquery()
    )
    query = (
        public_advocates()
        .options(contains_eager(User.profile))
        .order_by(sa.func.coalesce(featured, sa.false()).desc(), User.name, User.id)
    )
    if text:
        query = query.where(contains_text(User.name, text))
    if industry in {i.value for i in Industry.known()}:
        query = query.where(works_in(Industry(industry)))
    if product_id:
        query = query.where(
            sa.exists().where(
                advocate_product.c.user_id == User.id,
                advocate_product.c.product_id == product_id,
            )
        )
    page = db.paginate(query, page=page_number(), per_page=24, error_out=False)
    ids = [user.id for user in page.items]
    return render_template(
        "showcase/index.html",
        page=page,
        jobs=current_jobs(ids),
        badges=badges.badges_by_advocate(ids),
        tiers=tiers.names_by_advocate(ids),
        stories=public_stories(ids, limit=3),
        uses=public_uses(ids),
        Use=ConsentAsset,
        industry=industry,
        product_id=product_id,
        text=text,
        industries=Industry.known(),
        products=active_products(),
    )


@bp.get("/people/<id:user_id>")
@read_only
def profile(user_id: int):
    # The person, their tier and every list of the page: one statement.
    page = public_profile(user_id)
    if page is None:
        abort(404)
    return render_template(
        "showcase/profile.html",
        person=page.person,
        job=page.job,
        completed=page.completed,
        awards=page.awards,
        stories=page.stories,
        uses=page.uses,
        Use=ConsentAsset,
    )
