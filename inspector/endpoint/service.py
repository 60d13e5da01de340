"""test_request and ask_auth: one token, one request, one answer -> RequestReport.

The token is diagnosed first (`inspect_token`, with the key and project given), then sent the way
a client sends it (`Authorization: Bearer`, plus `apikey` to a Supabase URL) by io.py, the only
I/O; explain.py reads the answer and ties it to the diagnosis. Never raises on bad input or a
bad answer: a request that could not be sent, was blocked or got no answer is a finding.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from inspector import supabase
from inspector.endpoint import codes, io
from inspector.endpoint.explain import Answered, ServerSays, answer_findings, read_answer
from inspector.endpoint.report import SHOWN_HEADERS, RequestReport, Response, SentRequest
from inspector.endpoint.targets import (
    AUTH_USER_PATH,
    Target,
    base_from_issuer,
    classify_url,
    clear_text_off_machine,
    project_base,
    same_origin,
)
from inspector.findings import Finding, dedupe, make, ordered
from inspector.netpolicy import LOCAL, ProbeBlockedError, ProbePolicy
from inspector.redact import mask_secret, redact_text
from inspector.textutil import upper_first, url_host, valid_text
from inspector.tokens import codes as token_codes
from inspector.tokens.clean import clean_input
from inspector.tokens.report import TokenReport
from inspector.tokens.service import inspect_token
from inspector.tokens.skew import Skew, from_http_date

EXCERPT = 2048  # characters of the body shown
_HEADER_VALUE = re.compile(r"[\x21-\x7e]{1,16384}\Z")
# C0/C1 controls (but newline and tab) and bidi overrides: a body excerpt goes to a page and a
# terminal, where these could rewrite what is shown.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ProjectConfig:
    """What the configured `.env` says about the project (local mode, or a shared site that
    allows its configured values): its URL and its publishable or anon key."""

    url: str | None = None
    apikey: str | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> ProjectConfig:
        """From a .env's values: SUPABASE_URL, and the first Supabase publishable key, else
        anon key (SUPABASE_PUBLISHABLE_KEY, NEXT_PUBLIC_SUPABASE_ANON_KEY, ...)."""
        apikey = next(
            (
                value.strip()
                for ending in ("PUBLISHABLE_KEY", "ANON_KEY")
                for name, value in values.items()
                if "SUPABASE" in name.upper() and name.upper().endswith(ending) and value.strip()
            ),
            None,
        )
        return cls((values.get("SUPABASE_URL") or "").strip() or None, apikey)


# The token's findings a measured clock explains.
_TIME_CODES = frozenset(
    {token_codes.ISSUED_IN_FUTURE, token_codes.TOKEN_NOT_YET_VALID, token_codes.TOKEN_EXPIRED}
)


@dataclass(frozen=True)
class _Diagnosis:
    """The token as diagnosed, and everything that must never come back unmasked."""

    report: TokenReport
    text: str  # what goes after `Bearer `
    secrets: tuple[str, ...]
    token: str = ""  # as given, and inspect_token's arguments: to judge it again
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def with_clock(self, skew: Skew) -> _Diagnosis:
        """The token judged again with the clock the answer read: its time findings say which
        clock is off (only when it has one; otherwise the same diagnosis)."""
        if not set(self.report.finding_codes()) & _TIME_CODES:
            return replace(self, report=replace(self.report, clock=skew))
        return replace(self, report=inspect_token(self.token, clock=skew, **self.kwargs))


def test_request(
    url: str,
    token: str,
    *,
    method: str = "GET",
    apikey: str | None = None,
    project_config: ProjectConfig | None = None,
    key: str | None = None,
    audience: str | None = None,
    project: str | None = None,
    leeway: float = 0,
    configured_secret: str | None = None,
    configured_jwks_url: str | None = None,
    policy: ProbePolicy = LOCAL,
    timeout: float = 5.0,
    cafile: str | None = None,
    now: float | None = None,
) -> RequestReport:
    """Send `token` to `url` with `method`; the answer read next to the token's diagnosis."""
    config = project_config or ProjectConfig()
    diagnosis = _diagnose(
        token,
        key=key,
        audience=audience,
        project=project,
        leeway=leeway,
        configured_secret=configured_secret,
        configured_jwks_url=configured_jwks_url,
        policy=policy,
        timeout=timeout,
        now=now,
        extra=(apikey, config.apikey),
    )
    url = valid_text(url) if isinstance(url, str) else ""
    return _exchange(
        "request", method.upper(), url.strip(), diagnosis, apikey, config, policy, timeout, cafile
    )


# Not a test, though its name starts with one: pytest must not collect it where it is imported.
test_request.__test__ = False  # type: ignore[attr-defined]


def ask_auth(
    token: str,
    *,
    apikey: str | None = None,
    project_config: ProjectConfig | None = None,
    key: str | None = None,
    audience: str | None = None,
    project: str | None = None,
    leeway: float = 0,
    configured_secret: str | None = None,
    configured_jwks_url: str | None = None,
    policy: ProbePolicy = LOCAL,
    timeout: float = 5.0,
    cafile: str | None = None,
    now: float | None = None,
) -> RequestReport:
    """Ask Supabase Auth itself (`GET <project>/auth/v1/user`, apikey and Bearer): the server's
    own verdict on the token. The project: the one given, else the configured one, else the
    issuer of the token if it is a hosted project's or the local stack's."""
    config = project_config or ProjectConfig()
    diagnosis = _diagnose(
        token,
        key=key,
        audience=audience,
        # A local stack's URL names the Auth to ask, not a project ref to compare.
        project=project if supabase.normalize_ref(project) else None,
        leeway=leeway,
        configured_secret=configured_secret,
        configured_jwks_url=configured_jwks_url,
        policy=policy,
        timeout=timeout,
        now=now,
        extra=(apikey, config.apikey),
    )
    claims = diagnosis.report.claims if isinstance(diagnosis.report.claims, dict) else {}
    base = (
        project_base(valid_text(project))
        or _configured_base(config.url)
        or base_from_issuer(claims.get("iss"))
    )
    if base is None:
        given = "the project given is no project URL or ref" if project else "no project given"
        detail = f"{given.capitalize()}, none is configured, and the token's issuer names none."
        return _not_sent(
            "auth_check", "GET", "", diagnosis, [make(codes.AUTH_PROJECT_UNKNOWN, detail)]
        )
    return _exchange(
        "auth_check",
        "GET",
        base + AUTH_USER_PATH,
        diagnosis,
        apikey,
        config,
        policy,
        timeout,
        cafile,
    )


def _configured_base(url: str | None) -> str | None:
    base = project_base(url)
    if base or not url or not url.strip().startswith("https://"):
        return base
    # A custom domain: the configured SUPABASE_URL's origin as it is.
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return f"https://{parts.netloc}" if parts.hostname else None


def _diagnose(
    token: str, *, extra: tuple[str | None, ...], timeout: float, **kwargs: Any
) -> _Diagnosis:
    token = valid_text(token) if isinstance(token, str) else ""
    kwargs = {"fetch_timeout": min(timeout, 5.0), **kwargs}
    report = inspect_token(token, **kwargs)
    text = report.token_text if report.is_jwt else clean_input(token).text.strip()
    secrets = [text, token.strip(), kwargs.get("key"), kwargs.get("configured_secret"), *extra]
    kept = tuple(s for s in secrets if isinstance(s, str) and s.strip())
    return _Diagnosis(report, text, kept, token, kwargs)


def _exchange(
    mode: str,
    method: str,
    url: str,
    diagnosis: _Diagnosis,
    apikey: str | None,
    config: ProjectConfig,
    policy: ProbePolicy,
    timeout: float,
    cafile: str | None,
) -> RequestReport:
    target = classify_url(url, config.url) if url else Target("own_api")
    if mode == "auth_check":
        target = Target("supabase_auth", target.project_ref, target.local_stack)
    key_to_send = _apikey(apikey, target, url, config)
    findings: list[Finding] = []
    problem = _unsendable(url, diagnosis.text, key_to_send)
    if problem is not None:
        return _not_sent(
            mode, method, url, diagnosis, [make(codes.REQUEST_NOT_SENT, problem)], target
        )
    if target.is_supabase and not key_to_send:
        findings.append(make(codes.APIKEY_NOT_SENT, _no_apikey_words(config, target)))
    headers = {
        "Authorization": f"Bearer {diagnosis.text}",
        "Accept": "application/json",
        "User-Agent": "supabase-inspector",
        "Accept-Encoding": "identity",
    }
    if key_to_send:
        headers["apikey"] = key_to_send
    sent = _sent(method, url, target, headers, diagnosis, sent=True)
    try:
        raw = io.send(method, url, headers, policy, timeout, cafile=cafile)
    except ProbeBlockedError as exc:
        findings = [make(codes.REQUEST_BLOCKED, f"{exc.reason}. Nothing was sent.")]
        return _report(mode, _replace_sent(sent, False), None, "blocked", findings, diagnosis)
    except io.RequestFailedError as exc:
        code = codes.REQUEST_TIMED_OUT if exc.timed_out else codes.REQUEST_FAILED
        findings.append(make(code, _secret_free(str(exc), diagnosis) + "."))
        return _report(mode, sent, None, "failed", findings, diagnosis)
    if clear_text_off_machine(url):
        findings.append(make(codes.TOKEN_SENT_IN_CLEAR, f"{url[:200]} is plain http."))
    skew = from_http_date(raw.header("Date"), raw.local_time, url_host(url) or "", raw.rtt)
    if skew is not None:
        diagnosis = diagnosis.with_clock(skew)
        if skew.behind is not None:
            detail = f"{upper_first(skew.words)} ({skew.how}, read with the answer just now)."
            findings.append(
                make(
                    token_codes.CLOCK_SKEW_MEASURED, detail, amount=skew.amount, leeway=skew.leeway
                )
            )
    response, body_text = _response(raw, diagnosis)
    says = read_answer(raw.status, _lower_headers(raw), body_text)
    who = (
        "Supabase Auth"
        if mode == "auth_check"
        else ("your server" if not target.is_supabase else target.words)
    )
    answered = Answered(raw.status, raw.reason, raw.ms, response.location, _json_object(body_text))
    findings += answer_findings(
        answered, says, diagnosis.report, who=who, auth_check=mode == "auth_check"
    )
    if response.truncated:
        detail = f"Only the first {io.MAX_READ // 1024} KiB were read; the excerpt shows the start."
        findings.append(make(codes.BODY_TRUNCATED, detail))
    if response.incomplete:
        findings.append(
            make(codes.BODY_INCOMPLETE, f"{response.body_bytes} bytes arrived in time.")
        )
    outcome = _outcome(raw.status, says)
    return _report(mode, sent, response, outcome, findings, diagnosis, says, _explained(body_text))


def _apikey(given: str | None, target: Target, url: str, config: ProjectConfig) -> str | None:
    """The apikey to send: the one given (always), else the configured one, to its own
    project's Supabase URL only."""
    if isinstance(given, str) and given.strip():
        return clean_input(valid_text(given)).text.strip()
    if not target.is_supabase or not config.apikey or not config.url:
        return None
    ref = supabase.normalize_ref(config.url)
    same = (
        (ref is not None and ref == target.project_ref)
        or same_origin(url, config.url)
        or (target.local_stack and project_base(config.url) is not None and ref is None)
    )
    return config.apikey.strip() if same else None


def _no_apikey_words(config: ProjectConfig, target: Target) -> str:
    if config.apikey and config.url:
        return (
            f"This is {target.words}, and the configured key belongs to another project "
            "(SUPABASE_URL): none was sent."
        )
    return f"This is {target.words}: the gateway will refuse a request without one."


def _unsendable(url: str, token: str, apikey: str | None) -> str | None:
    if not url:
        return "No URL was given."
    if not token:
        return "There is no token to send."
    if not _HEADER_VALUE.match(token):
        return (
            "The token holds characters an HTTP header cannot carry (spaces, control characters "
            "or non-ASCII), or is longer than 16 KiB: no client could send it as it is."
        )
    if apikey is not None and not _HEADER_VALUE.match(apikey):
        return "The apikey holds characters an HTTP header cannot carry."
    return None


def _sent(
    method: str, url: str, target: Target, headers: dict[str, str], d: _Diagnosis, *, sent: bool
) -> SentRequest:
    shown = {"Authorization": f"Bearer {mask_secret(d.text)}"} if d.text else {}
    if "apikey" in headers:
        shown["apikey"] = mask_secret(headers["apikey"])
    return SentRequest(method, _secret_free(url, d), target.kind, target.words, shown, sent)


def _replace_sent(sent: SentRequest, value: bool) -> SentRequest:
    return SentRequest(sent.method, sent.url, sent.target, sent.target_words, sent.headers, value)


def _not_sent(
    mode: str,
    method: str,
    url: str,
    d: _Diagnosis,
    findings: list[Finding],
    target: Target | None = None,
) -> RequestReport:
    target = target or Target("own_api")
    sent = _sent(method, url, target, {}, d, sent=False)
    return _report(mode, sent, None, "not_sent", findings, d)


def _secret_free(text: str, d: _Diagnosis) -> str:
    return redact_text(text, d.secrets)


def _lower_headers(raw: io.RawAnswer) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in raw.headers:
        out.setdefault(name.lower(), value)
    return out


def _response(raw: io.RawAnswer, d: _Diagnosis) -> tuple[Response, str]:
    """The answer as shown, masked; and the whole body text read (masked) for reading it."""
    text = _secret_free(raw.body.decode("utf-8", "replace"), d)
    text = _UNPRINTABLE.sub("\ufffd", text)
    headers = {
        name: _UNPRINTABLE.sub("\ufffd", _secret_free(value, d))[:500]
        for name, value in _lower_headers(raw).items()
        if name in (*SHOWN_HEADERS, "location")
    }
    response = Response(
        status=raw.status,
        reason=_UNPRINTABLE.sub("", raw.reason)[:100],
        ms=raw.ms,
        address=raw.address,
        headers=headers,
        body_excerpt=text[:EXCERPT],
        body_bytes=len(raw.body),
        truncated=raw.truncated,
        incomplete=raw.incomplete,
        excerpt_cut=len(text) > EXCERPT,
    )
    return response, text


def _json_object(text: str) -> dict[str, Any] | None:
    from inspector.tokens.decode import loads

    if not text.strip().startswith("{"):
        return None
    try:
        data = loads(text)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _outcome(status: int, says: ServerSays | None) -> str:
    if 200 <= status < 300:
        return "accepted"
    if 300 <= status < 400:
        return "redirected"
    if status in (401, 403) or (400 <= status < 500 and says is not None and says.reason):
        return "rejected"
    return "other"


def _explained(text: str) -> tuple[dict[str, Any], ...]:
    """The explainer's reading of the body (inspector.explain), where that package exists."""
    if not text.strip():
        return ()
    try:
        module = importlib.import_module("inspector.explain")
    except ModuleNotFoundError as exc:
        if exc.name in ("inspector.explain",):
            return ()
        raise
    explain = getattr(module, "explain", None)
    if explain is None:
        return ()
    matches = getattr(explain(text[: EXCERPT * 4]), "matches", ())
    return tuple(
        {name: getattr(m, name, None) for name in ("code", "source", "title", "cause", "fix")}
        for m in matches[:5]
        if getattr(m, "code", "no_match") != "no_match"
    )


def _report(
    mode: str,
    sent: SentRequest,
    response: Response | None,
    outcome: str,
    findings: list[Finding],
    d: _Diagnosis,
    says: ServerSays | None = None,
    explained: tuple[dict[str, Any], ...] = (),
) -> RequestReport:
    return RequestReport(
        mode=mode,
        request=sent,
        response=response,
        outcome=outcome,
        findings=ordered(dedupe(findings)),
        token=d.report,
        server_says=says,
        explained=explained,
    )
