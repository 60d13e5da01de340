"""Headers on every response (and, in shared mode, the access gate and rate limits)."""

from __future__ import annotations

from flask import Flask, abort, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), clipboard-write=(self)",
}


def init_app(app: Flask) -> None:
    @app.before_request
    def _body_limit():
        # Refuse an oversized body before any view reads it, whatever the route.
        limit = app.config["INSPECTOR_MAX_BODY"]
        if request.content_length is not None and request.content_length > limit:
            abort(413)

    @app.after_request
    def _headers(response):
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response
