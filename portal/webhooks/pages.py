"""Admins' webhook pages: endpoints, their secrets, and each endpoint's delivery log."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_login import current_user

from portal.auth.decorators import check_roles
from portal.auth.models import Role
from portal.extensions import db
from portal.inputs import page_number
from portal.views import render_form, run_create_once, run_service
from portal.webhooks import delivery as deliveries
from portal.webhooks import endpoints
from portal.webhooks.forms import EndpointForm
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


@bp.before_request
def admins_only() -> None:
    check_roles(Role.ADMIN)


def _details(form: EndpointForm) -> endpoints.EndpointDetails:
    return endpoints.EndpointDetails(
        url=form.url.data,
        description=form.description.data or "",
        event_types=form.event_types.data,
    )


@bp.route("/", methods=["GET", "POST"])
def endpoint_list():
    form = EndpointForm()
    if form.validate_on_submit():
        done = run_create_once(
            form.once.data,
            lambda: endpoints.register(_details(form), by=current_user),
            lambda added: url_for(".endpoint", endpoint_id=added.id),
            _("Endpoint added. Give its secret to the receiver to check signatures."),
            field=form.url,
        )
        if done:
            return redirect(done.value.url)
    return render_form("webhooks/endpoints.html", form=form, endpoints=endpoints.all_endpoints())


@bp.route("/<id:endpoint_id>", methods=["GET", "POST"])
def endpoint(endpoint_id: int):
    item = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = EndpointForm(obj=item)
    form.submit.label.text = _("Save changes")
    if form.validate_on_submit():
        done = run_service(
            lambda: endpoints.update(item, _details(form), by_id=current_user.id),
            _("Endpoint saved."),
            field=form.url,
        )
        if done:
            return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
    page = endpoints.deliveries_page(item.id, page=page_number())
    return render_form("webhooks/endpoint.html", endpoint=item, page=page, form=form)


@bp.post("/<id:endpoint_id>/rotate")
def rotate(endpoint_id: int):
    item = db.get_or_404(WebhookEndpoint, endpoint_id)
    run_service(
        lambda: endpoints.rotate_secret(item, by_id=current_user.id),
        _("New secret made. The old one signs too for 24 hours: update the receiver."),
    )
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))


@bp.post("/<id:endpoint_id>/resume")
def resume(endpoint_id: int):
    item = db.get_or_404(WebhookEndpoint, endpoint_id)
    run_service(
        lambda: endpoints.resume(item, by_id=current_user.id),
        lambda waiting: _n(
            "Resumed: %(num)d waiting delivery queued.",
            "Resumed: %(num)d waiting deliveries queued.",
            waiting,
        ),
    )
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))


@bp.post("/deliveries/<id:delivery_id>/again")
def send_again(delivery_id: int):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    run_service(lambda: deliveries.send_again(delivery), _("Queued to be sent again."))
    return redirect(url_for(".endpoint", endpoint_id=delivery.endpoint_id))
