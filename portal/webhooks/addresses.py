"""Which webhook addresses the portal may call (against server-side request forgery).

Checked when an endpoint is registered and again before every delivery,
and the delivery then connects to the very address that was checked, so a
name that resolves elsewhere a moment later (DNS rebinding) reaches nothing
new. Loopback, private, link-local, shared, reserved and multicast addresses
are refused unless WEBHOOKS_ALLOW_PRIVATE_HOSTS (never in production).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from portal.errors import InvalidState


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    address: str  # the IP address to connect to


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(url: str, *, resolve: bool = True) -> Target | None:
    """The address a delivery to `url` may connect to; raises InvalidState when refused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidState(_("The address is not a valid URL.")) from None
    allowed_schemes = (
        ("https",) if current_app.config["WEBHOOKS_REQUIRE_HTTPS"] else ("https", "http")
    )
    if parts.scheme not in allowed_schemes:
        raise InvalidState(
            _("The address must start with https://.")
            if allowed_schemes == ("https",)
            else _("The address must start with https:// or http://.")
        )
    if not parts.hostname or parts.username or parts.password:
        raise InvalidState(_("The address needs a host name, and no user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise InvalidState(_("The host %(host)s can't be found.", host=parts.hostname)) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not current_app.config["WEBHOOKS_ALLOW_PRIVATE_HOSTS"]:
        refused = [str(ip) for ip in addresses if not _is_public(ip)]
        if refused:
            raise InvalidState(
                _(
                    "The host %(host)s is on a private or reserved network (%(addresses)s); "
                    "webhooks only go to public addresses.",
                    host=parts.hostname,
                    addresses=", ".join(refused[:3]),
                )
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))
