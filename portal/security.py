"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register_security_headers(app: Flask) -> None:
    hsts_seconds = app.config.get("HSTS_SECONDS", 0)
    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if hsts_seconds:
        defaults.append(("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        # A view may set its own (an SVG's CSP): only the headers it left out are added,
        # found with one pass over the response's headers rather than one per header.
        present = {key.lower() for key in headers.keys()}
        headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
        # Pages for a signed-in person never sit in a shared or back-button cache.
        if request.endpoint != "static" and (
            current_user.is_authenticated or request.blueprint == "auth"
        ):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
