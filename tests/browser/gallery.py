"""Every shared macro rendered with sample data: for the design tests and for looking at."""

from __future__ import annotations

import time

GALLERY = """
{% import "_macros.html" as m %}
<div class="columns">
<div class="col-input">
  <h1>Gallery</h1>
  <p class="lede">Every shared piece, with sample data.</p>
  <p>Body text with <a href="#x">a link</a> and <code>inline_code</code>. <span class="muted">Muted text.</span> <small class="help">Help text.</small></p>
  <p>{{ m.badge('plain') }} {{ m.kind_badge('supabase_user_token') }} {{ m.status_badge('valid') }} {{ m.status_badge('invalid') }} {{ m.status_badge('not_checked') }} {{ m.badge('careful', 'warning') }}</p>
  <p>{{ m.severity('error') }} {{ m.severity('warning') }} {{ m.severity('info') }}</p>
  <p class="field-error">A field error.</p>
  <p><button class="primary" type="button">Inspect</button> <button type="button">Other</button> <span class="tag-unverified">unverified</span></p>
  {{ m.snippet(python, 'Python (PyJWT)', 'python') }}
  {{ m.copy_value('postgresql://postgres.abcdefghijklmnopqrst:***@aws-0-eu-central-1.pooler.supabase.com:6543/postgres', 'connection string') }}
</div>
<section id="result" class="col-result" aria-live="polite">
  {{ m.verdict('failed', 'Signature verification failed', 'The key is the anon key, not the JWT secret.', 'Use SUPABASE_JWT_SECRET.', 'key_is_jwt') }}
  {{ m.verdict('connected', 'Connected in 42 ms') }}
  {{ m.verdict('warning', 'Works, with a warning') }}
  {{ m.verdict('not_probed', 'Static checks only') }}
  {{ m.headline(findings) }}
  {{ m.findings_list(findings) }}
  {{ m.jwt_parts(token, header, claims, 'valid: HS256 with the secret') }}
  {{ m.lifetime_bar(times_expired, now) }}
  {{ m.lifetime_bar(times_valid, now) }}
  {{ m.lifetime_bar(times_pending, now) }}
  {{ m.lifetime_bar(times_open, now) }}
  {{ m.waterfall(steps) }}
  {{ m.cert_chain(certs, trust) }}
  {{ m.kv_table([('sub', 'a-user'), ('role', 'authenticated'), ('note', '<b>not bold</b>')], 'Claims') }}
</section>
</div>
"""


def gallery_context() -> dict:
    now = int(time.time())
    finding = {
        "code": "token_expired",
        "severity": "error",
        "title": "The token has expired",
        "detail": "exp was 3 h 12 min ago.",
        "fix": "Get a fresh access token from supabase.auth.getSession().",
    }
    return {
        "python": 'jwt.decode(token, secret, algorithms=["HS256"], audience="authenticated")',
        "findings": [
            finding,
            {
                "code": "weak_secret",
                "severity": "warning",
                "title": "Short secret",
                "detail": "20 bytes.",
                "fix": None,
            },
            {
                "code": "anonymous_user",
                "severity": "info",
                "title": "Anonymous user",
                "detail": "<script>alert(1)</script>",
                "fix": None,
            },
        ],
        "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "header": {"alg": "HS256", "typ": "JWT"},
        "claims": {
            "sub": "1234567890",
            "role": "authenticated",
            "amr": [{"method": "password"}],
            "x": None,
            "ok": True,
            "name": "<img src=x onerror=alert(1)>",
        },
        "now": now,
        "times_expired": _times(iat=now - 4 * 3600, exp=now - 3 * 3600),
        "times_valid": _times(iat=now - 600, exp=now + 3000),
        "times_pending": _times(iat=now - 60, nbf=now + 600, exp=now + 4200),
        "times_open": _times(iat=now - 86400),
        "steps": [
            {"name": "dns", "status": "ok", "ms": 12.4, "detail": "A 1.2.3.4", "data": {}},
            {"name": "tcp", "status": "ok", "ms": 31.0, "detail": "1.2.3.4:5432", "data": {}},
            {"name": "ssl_request", "status": "ok", "ms": 8.2, "detail": "S", "data": {}},
            {
                "name": "tls",
                "status": "failed",
                "ms": 64.9,
                "detail": "certificate verify failed: self-signed certificate in chain",
                "data": {},
            },
            {"name": "connect", "status": "skipped", "ms": 0, "detail": "", "data": {}},
            {"name": "query", "status": "skipped", "ms": 0, "detail": "", "data": {}},
        ],
        "certs": [
            {
                "subject": "CN=*.pooler.supabase.com",
                "issuer": "CN=Supabase Intermediate 2021 CA",
                "not_before": "2025-01-01",
                "not_after": "2026-12-31",
                "san": ["*.pooler.supabase.com"],
                "trust": {"certifi": False, "system": {"ok": True, "detail": "found"}},
            },
            {
                "subject": "CN=Supabase Intermediate 2021 CA",
                "issuer": "CN=Supabase Root 2021 CA",
                "not_after": "2031-04-26",
            },
            {
                "subject": "CN=Supabase Root 2021 CA",
                "issuer": "CN=Supabase Root 2021 CA",
                "self_signed": True,
                "expired": False,
                "sha256": "ab:cd:ef",
            },
        ],
        "trust": {"certifi": False, "system": True},
    }


def _times(**values: int) -> dict:
    out = {}
    for key, value in values.items():
        out[key] = {
            "value": value,
            "iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value)),
            "relative": f"{key} relative",
        }
    return out


def render_gallery(app) -> str:
    with app.test_request_context("/"):
        return app.jinja_env.from_string(GALLERY).render(**gallery_context())
