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

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if hsts_seconds:
            headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"
            )
        # Pages for a signed-in person never sit in a shared or back-button cache.
        if request.endpoint != "static" and (
            current_user.is_authenticated or request.blueprint == "auth"
        ):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
