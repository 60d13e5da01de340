""".env text -> EnvReport: what each variable really holds, and whether they belong together.

The text is parsed with python-dotenv's own parser (never by loading it into `os.environ`).
Each value goes through the token inspector (JWTs, `sb_` keys, the JWT secret) or the connection
inspector (Postgres URLs); the cross-checks then ask the questions of a deploy review: does the
JWT secret verify the keys, are the keys what their names say, do all values name the same
project, and does a secret sit in a variable that ships to the browser.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream
from dotenv.variables import Variable, parse_variables

from inspector.env import codes as C
from inspector import supabase
from inspector.findings import Finding, Severity, has_errors, make, ordered
from inspector.netpolicy import LOCAL, ProbePolicy
from inspector.redact import MASK, mask_secret, redact_text
from inspector.textutil import valid_text

# ---------------------------------------------------------------------------------------------
# Recognising variables by name

# Prefixes that frameworks inline into the browser bundle, and who does it (for the detail text).
PUBLIC_PREFIXES: dict[str, str] = {
    "NEXT_PUBLIC_": "Next.js",
    "NUXT_PUBLIC_": "Nuxt",
    "EXPO_PUBLIC_": "Expo",
    "REACT_APP_": "Create React App",
    "VITE_": "Vite",
    "GATSBY_": "Gatsby",
    "VUE_APP_": "Vue CLI",
    "PUBLIC_": "SvelteKit and Astro",
}

# What a variable's name says it holds.
ROLE_URL = "supabase_url"
ROLE_ANON = "anon_key"
ROLE_SERVICE = "service_key"
ROLE_API_KEY = "api_key"  # SUPABASE_KEY: either key, the name does not say which
ROLE_JWT_SECRET = "jwt_secret"
ROLE_DB_URL = "database_url"
ROLE_DB_PASSWORD = "database_password"
ROLE_ACCESS_TOKEN = "access_token"
KEY_ROLES = (ROLE_ANON, ROLE_SERVICE, ROLE_API_KEY)
SECRET_ROLES = (ROLE_JWT_SECRET, ROLE_DB_PASSWORD, ROLE_ACCESS_TOKEN)

ROLE_LABELS = {
    ROLE_URL: "project URL",
    ROLE_ANON: "anon / publishable key",
    ROLE_SERVICE: "service_role / secret key",
    ROLE_API_KEY: "API key",
    ROLE_JWT_SECRET: "JWT secret",
    ROLE_DB_URL: "database connection string",
    ROLE_DB_PASSWORD: "database password",
    ROLE_ACCESS_TOKEN: "personal access token",
}

_DB_URL_PARTS = (
    "DATABASE_URL",
    "DB_URL",
    "POSTGRES_URL",
    "PRISMA_URL",
    "DIRECT_URL",
    "PG_URL",
    "PGURL",
    "POSTGRES_DSN",
    "DATABASE_DSN",
    "DB_DSN",
    "CONNECTION_STRING",
)


def split_public_prefix(name: str) -> tuple[str | None, str]:
    """(`NEXT_PUBLIC_`, `SUPABASE_URL`) for `NEXT_PUBLIC_SUPABASE_URL`; (None, name) otherwise."""
    upper = name.upper()
    for prefix in PUBLIC_PREFIXES:  # longest-specific first: NUXT_PUBLIC_ before PUBLIC_
        if upper.startswith(prefix) and len(upper) > len(prefix):
            return prefix, upper[len(prefix) :]
    return None, upper


def role_for_name(name: str) -> str | None:
    """What the variable's name says it holds (one of the ROLE_ constants), or None."""
    _, n = split_public_prefix(name)
    if "JWT_SECRET" in n:
        return ROLE_JWT_SECRET
    if n.endswith("PASSWORD") and any(p in n for p in ("POSTGRES", "DB", "DATABASE", "PG")):
        return ROLE_DB_PASSWORD
    if any(p in n for p in _DB_URL_PARTS):
        return ROLE_DB_URL
    if "SERVICE_ROLE" in n or n.endswith("SERVICE_KEY"):
        return ROLE_SERVICE
    supabaseish = "SUPABASE" in n or n.startswith("SB_")
    if supabaseish and "SECRET_KEY" in n:
        return ROLE_SERVICE
    if ("ANON" in n and "KEY" in n) or "PUBLISHABLE" in n:
        return ROLE_ANON
    if supabaseish and ("ACCESS_TOKEN" in n or n.endswith("_PAT")):
        return ROLE_ACCESS_TOKEN
    if supabaseish and n.endswith("KEY"):
        return ROLE_API_KEY
    if supabaseish and n.endswith("URL"):
        return ROLE_URL
    return None


# ---------------------------------------------------------------------------------------------
# Recognising values

_JWT_SHAPE = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_PG_URI = re.compile(r"^postgres(?:ql)?(?:\+[a-z0-9_]+)?://", re.I)
_KEYWORD_DSN = re.compile(r"\b(host|dbname|user|port|password|sslmode)\s*=", re.I)
_HTTP_URL = re.compile(r"^https?://", re.I)

# What a JWT secret variable may hold instead of an HMAC secret (tokens.classify_secret's shapes).
NOT_HMAC_SHAPES = (
    "pem_public_key",
    "pem_private_key",
    "certificate",
    "jwk",
    "jwks",
    "jwks_url",
    "url",
    "supabase_url",
    "connection_string",
)

# Token kinds (api.md) grouped the way the cross-checks need them.
JWT_KINDS = (
    "supabase_anon_key",
    "supabase_service_role_key",
    "supabase_user_token",
    "jwt",
    "malformed_jwt",
)
ANON_KINDS = ("supabase_anon_key", "supabase_publishable_key")
SERVICE_KINDS = ("supabase_service_role_key", "supabase_secret_key")
API_KEY_KINDS = ANON_KINDS + SERVICE_KINDS
SB_KEY_KINDS = ("supabase_publishable_key", "supabase_secret_key", "supabase_access_token_personal")
LEGACY_KEY_KINDS = ("supabase_anon_key", "supabase_service_role_key")

KIND_LABELS = {
    "supabase_anon_key": "the anon key",
    "supabase_service_role_key": "the service_role key",
    "supabase_publishable_key": "a publishable key (sb_publishable_)",
    "supabase_secret_key": "a secret key (sb_secret_)",
    "supabase_user_token": "a user's session access token",
    "supabase_refresh_token": "a refresh token",
    "supabase_access_token_personal": "a personal access token (sbp_)",
    "jwt": "a JWT that is not a Supabase key",
    "malformed_jwt": "a malformed JWT",
    "jwt_secret": "an HMAC secret",
    "pem_public_key": "a PEM public key",
    "pem_private_key": "a PEM private key",
    "certificate": "an X.509 certificate",
    "jwk": "a JWK (JSON Web Key)",
    "jwks": "a JWKS (JSON Web Key Set)",
    "jwks_url": "a JWKS URL",
    "connection_string": "a Postgres connection string",
    "supabase_url": "a Supabase project URL",
    "url": "a URL",
    "text": "text",
    "empty": "nothing",
}

HOST_KIND_LABELS = {
    "supabase_direct": "direct connection",
    "supabase_pooler_session": "session pooler",
    "supabase_pooler_transaction": "transaction pooler",
    "supabase_dedicated_pooler": "dedicated pooler",
    "supabase_local": "local Supabase stack",
    "local": "local server",
    "other": "other host",
}

# Token findings about the value itself that matter in a .env. The others speak of using a
# value as a bearer token, of the signature (the env check verifies with the JWT secret itself),
# or of how it was pasted (value_quoted_or_padded says that here).
_TOKEN_CODES_COPIED = frozenset(
    {
        "malformed_token",
        "alg_none",
        "known_demo_key",
        "token_expired",
        "token_not_yet_valid",
        "issued_in_future",
        "exp_in_milliseconds",
        "no_expiry",
        "other_issuer",
        "header_key_reference",
        "lifetime_unusual",
    }
)
# Findings of a verification call (`inspect_token(key, key=secret)`) that are about the secret.
_SECRET_CODES = (
    "weak_secret",
    "known_public_secret",
    "key_needs_trim",
    "key_base64_decoded",
    "key_hex_decoded",
)

LOCAL_MARK = "local"  # pseudo project ref of the local CLI stack and its demo keys


# ---------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class EnvVariable:
    """One variable: what its name says, what its value really is, masked."""

    name: str
    kind: str  # what the value holds: a token kind of api.md, or connection_string, url, ...
    expected: str | None  # what the name says (ROLE_*), None when the name is not recognised
    masked: str
    description: str
    public: bool
    project_ref: str | None
    line: int | None
    findings: tuple[Finding, ...] = ()

    @property
    def expected_label(self) -> str | None:
        return ROLE_LABELS.get(self.expected) if self.expected else None

    @property
    def recognised(self) -> bool:
        return self.expected is not None or self.kind not in ("text", "empty")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "expected": self.expected,
            "masked": self.masked,
            "description": self.description,
            "public": self.public,
            "project_ref": self.project_ref,
            "line": self.line,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class EnvReport:
    source: str  # "pasted" or the file's path
    modified: str | None  # the file's last-modified time (ISO 8601, UTC)
    variables: tuple[EnvVariable, ...]
    findings: tuple[Finding, ...]  # about the file and how the variables fit together
    project_ref: str | None = None
    probed: bool = False

    def all_findings(self) -> tuple[Finding, ...]:
        """The overall findings, then every variable's."""
        return self.findings + tuple(f for v in self.variables for f in v.findings)

    def ordered_findings(self) -> tuple[Finding, ...]:
        """Every finding, most severe first (the page's headline is the first)."""
        return ordered(self.all_findings())

    def has_errors(self) -> bool:
        return has_errors(self.all_findings())

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity.value for f in self.all_findings())
        return {"error": c["error"], "warning": c["warning"], "info": c["info"]}

    def tally(self) -> str:
        """`7 variables, 6 recognised · project <ref> · 2 errors, 1 warning`."""
        if any(f.code == C.ENV_FILE_MISSING for f in self.findings):
            return f"{self.source}: not found or not readable"
        recognised = sum(1 for v in self.variables if v.recognised)
        parts = [f"{_count(len(self.variables), 'variable')}, {recognised} recognised"]
        if self.project_ref:
            parts.append(f"project {self.project_ref}")
        counts = self.counts()
        problems = [_count(n, k) for k, n in counts.items() if n and k != "info"]
        parts.append(", ".join(problems) if problems else "no problems found")
        return " · ".join(parts)

    def summary(self) -> str:
        """One line for the home page: how many variables, which project, what is wrong first."""
        first = next((f for f in self.ordered_findings() if f.severity.rank < 2), None)
        if first is None or first.code == C.ENV_FILE_MISSING:
            return self.tally() + "."
        return f"{self.tally()} (first: {first.title})."

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "modified": self.modified,
            "project_ref": self.project_ref,
            "probed": self.probed,
            "summary": self.summary(),
            "counts": self.counts(),
            "variables": [v.to_dict() for v in self.variables],
            "findings": [f.to_dict() for f in self.findings],
        }


# ---------------------------------------------------------------------------------------------
# The service


# A live check of a .env probes its database URLs this many at a time, all within one deadline
# (the probe timeout): forty black-holed URLs once took 25 s against a 5 s timeout.
ENV_PROBES_AT_ONCE = 4
# A URL whose turn comes with less than this left of the deadline is not probed at all: a
# probe cut that short would report a timeout that says nothing about the host.
MIN_PROBE_SECONDS = 1.0

# Where a live probe takes its place: entered before each probe, it gives True when the probe
# may run now and False when every slot is busy (the web layer's probe slots; None: always).
ProbeGate = Callable[[], AbstractContextManager[bool]]


def inspect_env(
    text: str | None = None,
    *,
    path: str | Path | None = None,
    probe: bool = False,
    policy: ProbePolicy = LOCAL,
    timeout: float = 5.0,
    gate: ProbeGate | None = None,
) -> EnvReport:
    """Inspect `.env` text (wins when given) or the file at `path`. Never raises on bad input.

    `probe=True` also probes each database URL live, under `policy`: ENV_PROBES_AT_ONCE at a
    time, each through `gate`, all of them within the one `timeout`.
    """
    modified = None
    if text is None:
        if path is None:
            raise TypeError("inspect_env needs text or path")
        source = str(path)
        try:
            p = Path(path)
            raw = p.read_bytes()
            modified = datetime.fromtimestamp(p.stat().st_mtime, UTC).isoformat(timespec="seconds")
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            why = (
                "is not UTF-8 text"
                if isinstance(exc, UnicodeDecodeError)
                else (exc.strerror or type(exc).__name__).lower()
            )
            finding = make(C.ENV_FILE_MISSING, f"{source}: {why}.")
            return EnvReport(source, modified, (), (finding,), probed=probe)
    else:
        source = "pasted"
    text = valid_text(text)
    return _Check(text, probe=probe, policy=policy, timeout=timeout, gate=gate).run(
        source, modified
    )


def _names_in(text: str) -> list[str]:
    return re.findall(r"(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=", text)


@dataclass
class _Var:
    """Working state of one variable while the checks run."""

    name: str
    value: str
    line: int | None
    raw: str  # its line(s) as written, for the padding check (never shown)
    lines: list[int] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    public_prefix: str | None = None
    expected: str | None = None
    kind: str = "text"
    token: Any = None  # TokenReport
    conn: Any = None  # ConnectionReport
    project_ref: str | None = None
    ref_mark: str | None = None  # project ref or LOCAL_MARK, for the agreement check
    findings: list[Finding] = field(default_factory=list)
    detail: str = ""


class _Check:
    def __init__(
        self,
        text: str,
        *,
        probe: bool,
        policy: ProbePolicy,
        timeout: float,
        gate: ProbeGate | None = None,
    ):
        self.text = text
        self.probe = probe
        self.policy = policy
        self.timeout = timeout
        self.gate = gate
        self.findings: list[Finding] = []
        self.vars: dict[str, _Var] = {}
        self.main_ref: str | None = None
        self.pending: list[_Var] = []  # database URLs, inspected together

    # -- parsing ------------------------------------------------------------------------------
    def parse(self) -> None:
        # python-dotenv's own parser: the bindings give lines and errors, dotenv_values the values.
        # Interpolation is done below from the file alone: resolving ${NAME} from os.environ
        # would show the server's own secrets to whoever pastes a reference to them.
        values = dotenv_values(stream=io.StringIO(self.text), interpolate=False)
        resolved: dict[str, str | None] = {}
        bindings = list(parse_stream(io.StringIO(self.text)))
        for b in bindings:
            if b.error:
                names = _names_in(b.original.string)
                first = b.original.line
                count = b.original.string.count("\n") or 1
                span = f"line {first}" if count == 1 else f"lines {first}-{first + count - 1}"
                lost = [n for n in names if n not in values]
                detail = f"{span}: python-dotenv cannot parse this and skips it"
                if lost:
                    detail += f", so {', '.join(lost)} {'is' if len(lost) == 1 else 'are'} not set"
                self.findings.append(make(C.ENV_UNPARSEABLE_LINE, detail + "."))
                continue
            if b.key is None:
                continue
            value = b.value
            unresolved: list[str] = []
            if value is not None and "${" in value:
                atoms = list(parse_variables(value))
                for a in atoms:
                    if isinstance(a, Variable) and a.name not in resolved and a.default is None:
                        unresolved.append(a.name)
                value = "".join(a.resolve(resolved) for a in atoms)
            resolved[b.key] = value
            var = self.vars.get(b.key)
            if var is None:
                var = self.vars[b.key] = _Var(b.key, "", None, "")
            var.value = value or ""
            var.line = b.original.line
            var.lines.append(b.original.line)
            var.raw = b.original.string
            var.unresolved = unresolved
        if "\r\n" in self.text:
            self.findings.append(
                make(
                    C.ENV_CRLF_LINE_ENDINGS,
                    "Every line ends in CR LF; a CR left at the end of a value changes it "
                    "(an HMAC secret then signs differently, a key no longer matches).",
                )
            )

    # -- one variable at a time -----------------------------------------------------------------
    def classify(self, var: _Var) -> None:
        var.public_prefix, _ = split_public_prefix(var.name)
        var.expected = role_for_name(var.name)
        value = var.value
        bare = value.strip().strip("\"'").strip()
        if not value.strip():
            var.kind = "empty"
            return
        if var.expected == ROLE_JWT_SECRET and not _PG_URI.match(bare):
            self._secret(var)
        elif _JWT_SHAPE.match(bare) or bare.startswith(("sb_", "sbp_")):
            self._token(var)
        elif _PG_URI.match(bare) or (var.expected == ROLE_DB_URL and _KEYWORD_DSN.search(bare)):
            self._connection(var)
        elif _HTTP_URL.match(bare):
            self._url(var, bare)
        elif var.expected in KEY_ROLES:
            # Anything in a key variable is shown to the token inspector, which names it.
            self._token(var)
        else:
            var.kind = "text"

    def _secret(self, var: _Var) -> None:
        """A would-be JWT secret: the token inspector names its shape (JWT, sb_ key, PEM, ...)."""
        from inspector.tokens import classify_secret

        shape = classify_secret(var.value)
        if shape in ("jwt", "publishable_key", "secret_key", "personal_access_token"):
            self._token(var)
        elif shape == "hmac_secret" or shape is None:
            var.kind = "jwt_secret"
        else:
            var.kind = shape  # pem_public_key, certificate, jwk, jwks, jwks_url, url, ...

    def _token(self, var: _Var) -> None:
        from inspector.tokens import inspect_token

        report = inspect_token(var.value)
        var.token = report
        var.kind = report.kind
        if var.kind in ("unknown", "jwt_secret") and var.expected not in KEY_ROLES:
            var.kind = "text"
        var.project_ref = report.project_ref
        claims = getattr(report, "claims", None) or {}
        if var.project_ref:
            var.ref_mark = var.project_ref
        elif var.kind in LEGACY_KEY_KINDS and claims.get("iss") == "supabase-demo":
            var.ref_mark = LOCAL_MARK
        if report.kind == "unknown":
            return  # not a token at all: the key-slot check names what it is
        for f in report.findings:
            if f.code not in _TOKEN_CODES_COPIED:
                continue
            if var.expected is None and f.severity is Severity.ERROR:
                # A JWT in a variable whose name says nothing (a test fixture, another
                # service's token): worth a look, but not a reason to fail a deploy.
                f = replace(f, severity=Severity.WARNING)
            var.findings.append(f)

    def _connection(self, var: _Var) -> None:
        var.kind = "connection_string"
        self.pending.append(var)

    def inspect_connections(self) -> None:
        """Lint (and, when asked, probe) every database URL."""
        from inspector.connections import inspect_connection

        urls = list(dict.fromkeys(v.value.strip() for v in self.pending))
        if self.probe and urls:
            reports = self._probe_all(urls)
        else:
            reports = {
                url: inspect_connection(url, probe=False, policy=self.policy) for url in urls
            }
        for var in self.pending:
            report = reports[var.value.strip()]
            var.conn = report
            var.project_ref = report.project_ref
            if report.project_ref:
                var.ref_mark = report.project_ref
            elif report.host_kind == "supabase_local":
                var.ref_mark = LOCAL_MARK
            var.findings.extend(report.findings)

    def _probe_all(self, urls: list[str]) -> dict[str, Any]:
        """Probe the URLs ENV_PROBES_AT_ONCE at a time, each taking a probe slot, all within one
        deadline; a URL that gets no slot, or whose turn comes too late, is reported not probed."""
        deadline = time.monotonic() + self.timeout
        queue = list(reversed(urls))
        lock = threading.Lock()
        reports: dict[str, Any] = {}

        def lane() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    url = queue.pop()
                report = self._probe_one(url, deadline, len(urls))
                with lock:
                    reports[url] = report

        lanes = min(ENV_PROBES_AT_ONCE, len(urls))
        if lanes == 1:
            lane()
        else:
            with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="env-probe") as pool:
                for future in [pool.submit(lane) for _ in range(lanes)]:
                    future.result()
        return reports

    def _probe_one(self, url: str, deadline: float, count: int):
        from inspector.connections import codes as conn_codes
        from inspector.connections import inspect_connection

        def not_probed(detail: str):
            static = inspect_connection(url, probe=False, policy=self.policy)
            return static.with_probe_refused(conn_codes.PROBE_BUSY, detail)

        def too_late() -> bool:
            return deadline - time.monotonic() < min(MIN_PROBE_SECONDS, self.timeout)

        late = (
            f"Not probed: a live check of a .env has one {self.timeout:.1f} s deadline for all "
            f"its database URLs ({count} here, {ENV_PROBES_AT_ONCE} at a time), and it had "
            "passed before this one's turn. Probe it on the connection page."
        )
        if too_late():
            return not_probed(late)
        with self.gate() if self.gate else nullcontext(True) as may:
            if not may:
                return not_probed("Not probed: too many probes are running on this site.")
            if too_late():  # the wait for a slot took the rest
                return not_probed(late)
            remaining = deadline - time.monotonic()
            return inspect_connection(url, probe=True, policy=self.policy, timeout=remaining)

    def _url(self, var: _Var, bare: str) -> None:
        ref = supabase.normalize_ref(bare)
        host = re.sub(r"^[a-z]+://", "", bare, flags=re.I).split("/", 1)[0]
        hostname = host.rsplit("@", 1)[-1].rsplit(":", 1)[0]
        if ref:
            var.kind = "supabase_url"
            var.project_ref = var.ref_mark = ref
        elif supabase.is_loopback_host(hostname) and var.expected == ROLE_URL:
            var.kind = "supabase_url"
            var.ref_mark = LOCAL_MARK
        else:
            var.kind = "url"

    # -- checks on one variable ---------------------------------------------------------------
    def check_variable(self, var: _Var) -> None:
        dash = self._dash(var.project_ref)
        if len(var.lines) > 1:
            var.findings.append(
                make(
                    C.ENV_DUPLICATE_VARIABLE,
                    f"{var.name} is set on lines {', '.join(map(str, var.lines))}: python-dotenv "
                    f"uses line {var.lines[-1]}, which is what is checked here.",
                )
            )
        if var.unresolved:
            var.findings.append(
                make(
                    C.ENV_INTERPOLATION_UNRESOLVED,
                    f"{var.name} refers to {', '.join('${' + n + '}' for n in var.unresolved)}, "
                    "which no earlier line of the file defines; checked here as empty.",
                )
            )
        if var.kind == "empty":
            if var.expected == ROLE_JWT_SECRET:
                self.findings.append(
                    make(C.JWT_SECRET_EMPTY, f"{var.name} is declared with no value.", **dash)
                )
            elif var.expected is not None:
                var.findings.append(
                    make(
                        C.VALUE_EMPTY,
                        f"{var.name} should hold the {ROLE_LABELS[var.expected]}, "
                        "and holds nothing.",
                    )
                )
            return
        if var.expected is not None or var.kind not in ("text", "url"):
            self._padding(var)
        self._public(var, dash)
        if var.expected in KEY_ROLES:
            self._key_slot(var, dash)
        if var.expected == ROLE_URL:
            self._url_slot(var, dash)

    def _padding(self, var: _Var) -> None:
        value = var.value
        problems = []
        if value != value.strip():
            ends = []
            if value[:1].isspace():
                ends.append("starts")
            if value[-1:].isspace():
                ends.append("ends")
            what = "a carriage return (\\r)" if "\r" in (value[:1], value[-1:]) else "whitespace"
            problems.append(f"{' and '.join(ends)} with {what}")
        stripped = value.strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'`":
            problems.append("still has quotes around it after parsing (quotes inside quotes)")
        elif stripped[:1] in "\"'`" or stripped[-1:] in "\"'`":
            problems.append("starts or ends with a stray quote")
        if problems:
            var.findings.append(
                make(
                    C.VALUE_QUOTED_OR_PADDED,
                    f"{var.name}'s value {' and '.join(problems)}: the app receives those "
                    "characters as part of the value.",
                )
            )
            return
        # The parsed value is clean, but the line as written has trailing blanks or a CR: other
        # loaders (docker --env-file, `source .env`) keep them.
        line = var.raw.rstrip("\r\n")  # a CR LF file is env_crlf_line_endings, said once
        unquoted = not line.split("=", 1)[-1].lstrip().startswith(("'", '"'))
        if unquoted and " #" not in line and line != line.rstrip(" \t"):
            var.findings.append(
                make(
                    C.VALUE_QUOTED_OR_PADDED,
                    f"Line {var.line} ({var.name}) ends with blanks after the value: "
                    "python-dotenv drops them, but docker --env-file and `source .env` keep them.",
                    severity="warning",
                )
            )

    def _public(self, var: _Var, dash: dict[str, str]) -> None:
        if var.public_prefix is None:
            return
        holds = None
        if var.kind in SERVICE_KINDS or var.kind == "supabase_access_token_personal":
            holds = KIND_LABELS[var.kind]
        elif var.expected == ROLE_JWT_SECRET and var.kind in ("jwt_secret", "pem_private_key"):
            holds = "the JWT secret" if var.kind == "jwt_secret" else "a private key"
        elif var.expected == ROLE_DB_PASSWORD:
            holds = "the database password"
        elif var.kind == "connection_string" and _has_password(var.conn):
            holds = "a connection string with its password"
        if holds is None:
            return
        who = PUBLIC_PREFIXES[var.public_prefix]
        var.findings.append(
            make(
                C.SECRET_IN_PUBLIC_VARIABLE,
                f"{var.name} holds {holds}, and {who} puts every {var.public_prefix} variable "
                "into the JavaScript it sends to browsers.",
                **dash,
            )
        )

    def _key_slot(self, var: _Var, dash: dict[str, str]) -> None:
        label = ROLE_LABELS[var.expected]
        if var.kind in API_KEY_KINDS:
            return  # right or wrong role: decided with the other keys in cross_keys()
        if var.kind == "supabase_user_token":
            var.findings.append(
                make(
                    C.KEY_IS_USER_TOKEN,
                    f"{var.name} should hold the {label}, and holds a user's session access "
                    "token: it stops working when it expires.",
                    **dash,
                )
            )
            return
        var.findings.append(
            make(
                C.KEY_UNRECOGNISED,
                f"{var.name} should hold the {label}, and holds "
                f"{KIND_LABELS.get(var.kind, var.kind)}.",
                **dash,
            )
        )

    def _url_slot(self, var: _Var, dash: dict[str, str]) -> None:
        bare = var.value.strip().strip("\"'").strip()
        if not _HTTP_URL.match(bare):
            var.findings.append(
                make(
                    C.SUPABASE_URL_INVALID,
                    f"{var.name} holds {KIND_LABELS.get(var.kind, var.kind)}, not "
                    "https://<ref>.supabase.co.",
                    **dash,
                )
            )
            return
        # The path alone: a query string could carry a key (…?apikey=eyJ…), never shown.
        path = re.split(r"[?#]", re.sub(r"^[a-z]+://[^/?#]*", "", bare, flags=re.I), maxsplit=1)[0]
        if path.rstrip("/"):
            var.findings.append(
                make(
                    C.SUPABASE_URL_HAS_PATH,
                    f"{var.name} ends in {redact_text(path[:60])!r}; supabase-js and "
                    "supabase-py append /rest/v1, /auth/v1 and /storage/v1 themselves.",
                )
            )

    # -- cross-checks ---------------------------------------------------------------------------
    def cross_keys(self) -> None:
        """Anon and service keys in each other's place: swapped, or one in the wrong slot."""
        in_anon = [
            v for v in self.vars.values() if v.expected == ROLE_ANON and v.kind in SERVICE_KINDS
        ]
        in_service = [
            v for v in self.vars.values() if v.expected == ROLE_SERVICE and v.kind in ANON_KINDS
        ]
        dash = self._dash(self.main_ref)
        if in_anon and in_service:
            self.findings.append(
                make(
                    C.KEYS_SWAPPED,
                    f"{_names(in_anon)} {_holds(in_anon)} the service key, and "
                    f"{_names(in_service)} {_holds(in_service)} the anon key.",
                    **dash,
                )
            )
            return
        for v in in_anon:
            v.findings.append(
                make(
                    C.ANON_KEY_IS_SERVICE_ROLE,
                    f"{v.name} holds {KIND_LABELS[v.kind]}, which bypasses Row Level Security.",
                    **self._dash(v.project_ref),
                )
            )
        for v in in_service:
            v.findings.append(
                make(
                    C.SERVICE_KEY_IS_ANON,
                    f"{v.name} holds {KIND_LABELS[v.kind]}, not a service key.",
                    **self._dash(v.project_ref),
                )
            )

    def cross_refs(self) -> None:
        """Every value that names a project names the same one."""
        by_ref: dict[str, list[_Var]] = {}
        for v in self.vars.values():
            if v.ref_mark:
                by_ref.setdefault(v.ref_mark, []).append(v)
        if len(by_ref) < 2:
            return
        groups = []
        for ref, vs in by_ref.items():
            who = ", ".join(f"{v.name}{_ref_source(v)}" for v in vs)
            what = "the local stack (supabase start)" if ref == LOCAL_MARK else f"project {ref}"
            groups.append(f"{who} → {what}")
        main = self.main_ref
        fix = None
        if main:
            fix = (
                f"Copy every value from project {main}: the URL and keys from "
                f"{supabase.dashboard_url(main, 'api')}, the connection string from "
                f"{supabase.dashboard_url(main, 'database')}."
            )
        self.findings.append(
            make(
                C.PROJECT_REF_MISMATCH,
                "Values name different projects: " + "; ".join(groups) + ".",
                fix=fix,
                severity="error",
                **(
                    {"title": f"{len(by_ref)} different Supabase projects"}
                    if len(by_ref) > 2
                    else {}
                ),
            )
        )

    def cross_secret(self) -> None:
        """Does each JWT secret verify the legacy keys; is the "secret" a key instead."""
        secrets = [v for v in self.vars.values() if v.expected == ROLE_JWT_SECRET]
        keys: dict[str, list[_Var]] = {}
        for v in self.vars.values():
            if v.kind in LEGACY_KEY_KINDS:
                keys.setdefault(v.value, []).append(v)
        if not secrets:
            if keys:
                holders = [v for vs in keys.values() for v in vs]
                self.findings.append(
                    make(
                        C.JWT_SECRET_MISSING,
                        f"{_names(holders)} "
                        f"{'is a legacy JWT key' if len(holders) == 1 else 'are legacy JWT keys'}"
                        f", and no SUPABASE_JWT_SECRET is here to verify {_them(holders)}.",
                        **self._dash(self.main_ref),
                    )
                )
            return
        for s in secrets:
            if s.kind == "empty":
                continue  # jwt_secret_empty already said it
            if self._secret_is_not_a_secret(s, keys):
                continue
            if keys:
                self._verify_keys(s, keys)

    def _secret_is_not_a_secret(self, s: _Var, keys: dict[str, list[_Var]]) -> bool:
        if s.kind in JWT_KINDS:
            what = KIND_LABELS[s.kind]
            same = [
                v for v in self.vars.values() if v is not s and v.value.strip() == s.value.strip()
            ]
            also = f" (the same value as {_names(same)})" if same else ""
            ref = s.project_ref or self.main_ref
            proj = f" of project {s.project_ref}" if s.project_ref else ""
            short = what.removeprefix("the ").removeprefix("a ")
            self.findings.append(
                make(
                    C.JWT_SECRET_IS_JWT,
                    f"{s.name} holds {what}{proj}{also}, not the JWT secret: the keys are tokens "
                    "signed with the secret, so nothing can be verified with a key.",
                    title=f"{s.name} holds the {short}, not the JWT secret"
                    if s.kind in LEGACY_KEY_KINDS
                    else f"{s.name} holds a JWT, not the JWT secret",
                    **self._dash(ref),
                )
            )
            return True
        if s.kind in NOT_HMAC_SHAPES:
            asymmetric = s.kind not in ("url", "supabase_url", "connection_string")
            self.findings.append(
                make(
                    C.JWT_SECRET_NOT_HMAC,
                    f"{s.name} holds {KIND_LABELS.get(s.kind, s.kind)}, not an HMAC secret"
                    + (
                        ": that verifies asymmetric (ES256/RS256) user tokens only, never the "
                        "HS256 anon and service_role keys."
                        if asymmetric
                        else "."
                    ),
                    severity="warning" if asymmetric else "error",
                    **self._dash(self.main_ref),
                )
            )
            return True
        if s.kind in SB_KEY_KINDS:
            self.findings.append(
                make(
                    C.JWT_SECRET_IS_API_KEY,
                    f"{s.name} holds {KIND_LABELS[s.kind]}, not the JWT secret: sb_ keys are "
                    "opaque API keys and sign nothing.",
                    title=f"{s.name} holds an sb_ API key, not the JWT secret",
                    **self._dash(self.main_ref),
                )
            )
            return True
        return False

    def _verify_keys(self, s: _Var, keys: dict[str, list[_Var]]) -> None:
        from inspector.tokens import inspect_token

        verified: list[_Var] = []
        failed: list[_Var] = []
        trimmed: list[_Var] = []
        decoded: list[_Var] = []
        how = "decoded"
        asymmetric: list[_Var] = []
        secret_findings: dict[str, Finding] = {}
        for value, holders in keys.items():
            # The policy guards any fetch the token inspector might make for a key.
            report = inspect_token(value, key=s.value, policy=self.policy, fetch_timeout=3.0)
            sig = report.signature
            for f in report.findings:
                if f.code in _SECRET_CODES and f.code not in secret_findings:
                    secret_findings[f.code] = f
            status, used = sig.status, getattr(sig, "key_used", None)
            if status == "valid" and used == "secret_trimmed":
                trimmed.extend(holders)
            elif status == "valid" and used and used.startswith("secret_"):
                decoded.extend(holders)  # base64- or hex-decoded
                how = used.removeprefix("secret_").replace("_", "-")
            elif status == "valid":
                verified.extend(holders)
            elif status == "wrong_key_type":
                asymmetric.extend(holders)
            else:
                failed.extend(holders)
        s.findings.extend(secret_findings.values())
        main = self.main_ref
        if verified:
            refs = sorted({v.project_ref for v in verified if v.project_ref})
            where = f" (project {', '.join(refs)})" if refs else ""
            self.findings.append(
                make(
                    C.JWT_SECRET_VERIFIES_KEYS,
                    f"{s.name} verifies {_names(verified, ' and ')}{where}.",
                    title=f"{s.name} verifies {_names(verified, ' and ')}",
                )
            )
        if asymmetric:
            self.findings.append(
                make(
                    C.KEYS_SIGNED_ASYMMETRICALLY,
                    f"{_names(asymmetric)} {_is_are(asymmetric)} signed with ES256/RS256: "
                    f"{s.name} (an HMAC secret) cannot check {_them(asymmetric)}.",
                )
            )
        if trimmed:
            self.findings.append(
                make(
                    C.JWT_SECRET_DOES_NOT_VERIFY_KEYS,
                    f"{s.name} verifies {_names(trimmed)} only once the quotes or whitespace "
                    "around it are removed: as written, the app's verification fails.",
                    title=f"{s.name} verifies the keys only after trimming it",
                    fix=f"Remove the stray quotes or blanks around {s.name}'s value.",
                )
            )
        if decoded:
            self.findings.append(
                make(
                    C.JWT_SECRET_DOES_NOT_VERIFY_KEYS,
                    f"{s.name} verifies {_names(decoded)} only when {how}; Supabase uses "
                    "the secret as the raw string, so these keys were not signed by Supabase "
                    "with it as written.",
                    title=f"{s.name} verifies the keys only when {how}",
                    **self._dash(main),
                )
            )
        if not failed:
            return
        title, detail, ref = self._explain_failure(s, verified, failed)
        self.findings.append(
            make(C.JWT_SECRET_DOES_NOT_VERIFY_KEYS, detail, title=title, **self._dash(ref))
        )

    def _explain_failure(
        self, s: _Var, verified: list[_Var], failed: list[_Var]
    ) -> tuple[str, str, str | None]:
        """Title, detail and the project whose dashboard has the right value."""
        main = self.main_ref
        ok_refs = {v.project_ref for v in verified if v.project_ref}
        bad_refs = {v.project_ref for v in failed if v.project_ref}
        bad = _names(failed, " and ")
        if ok_refs and bad_refs and not ok_refs & bad_refs:
            ok_ref = ", ".join(sorted(ok_refs))
            bad_ref = ", ".join(sorted(bad_refs))
            if main in bad_refs or (main is None and len(failed) >= len(verified)):
                # The secret goes with the odd key out: it is the other project's secret.
                return (
                    f"{s.name} is the JWT secret of another project ({ok_ref})",
                    f"{s.name} verifies {_names(verified, ' and ')} (project {ok_ref}) but not "
                    f"{bad} (project {bad_ref}): the secret belongs to project {ok_ref}, not "
                    f"to {bad_ref}.",
                    main or next(iter(sorted(bad_refs))),
                )
            return (
                f"{bad} {_belong(failed)} to another project ({bad_ref})",
                f"{s.name} verifies {_names(verified, ' and ')} (project {ok_ref}) but not "
                f"{bad}, which {_is_are(failed)} from project {bad_ref}.",
                main or next(iter(sorted(ok_refs))),
            )
        if verified:
            return (
                f"{s.name} verifies {_names(verified, ' and ')} but not {bad}",
                f"{s.name} verifies {_names(verified, ' and ')} but not {bad}, although "
                f"{_both(failed, verified)} name the same project: {bad} "
                f"{_was_were(failed)} signed with another secret (issued before a rotation?).",
                main or next(iter(sorted(ok_refs | bad_refs)), None),
            )
        # It verifies none of them.
        if len(bad_refs) == 1:
            (ref,) = bad_refs
            return (
                f"{s.name} is not project {ref}'s JWT secret",
                f"{s.name} verifies neither of {bad} (project {ref}): it is another project's "
                "secret, or the secret was rotated after these keys were issued."
                if len(failed) > 1
                else f"{s.name} does not verify {bad} (project {ref}): it is another project's "
                "secret, or the secret was rotated after this key was issued.",
                ref,
            )
        where = "; ".join(f"{v.name}{_ref_in(v)}" for v in failed)
        return (
            f"{s.name} does not verify {bad}",
            f"{s.name} verifies none of: {where}. It belongs to another project, or was "
            "rotated after the keys were issued.",
            main,
        )

    # -- putting it together --------------------------------------------------------------------
    def _dash(self, ref: str | None) -> dict[str, str]:
        ref = ref or self.main_ref
        return {
            "jwt_settings": supabase.dashboard_url(ref, "jwt"),
            "api_settings": supabase.dashboard_url(ref, "api"),
            "database_settings": supabase.dashboard_url(ref, "database"),
        }

    def _main_ref(self) -> str | None:
        """The project most values name; the URL's project breaks a tie."""
        refs = Counter(v.project_ref for v in self.vars.values() if v.project_ref)
        if not refs:
            return None
        url_refs = [
            v.project_ref for v in self.vars.values() if v.expected == ROLE_URL and v.project_ref
        ]
        best = max(refs.values())
        for r in url_refs:
            if refs[r] == best:
                return r
        return refs.most_common(1)[0][0]

    def run(self, source: str, modified: str | None) -> EnvReport:
        self.parse()
        for var in self.vars.values():
            self.classify(var)
        self.inspect_connections()
        self.main_ref = self._main_ref()
        for var in self.vars.values():
            self.check_variable(var)
        self.cross_keys()
        self.cross_secret()
        self.cross_refs()
        variables = tuple(self._freeze(v) for v in self.vars.values())
        if self.vars and not any(v.recognised for v in variables):
            self.findings.append(
                make(
                    C.ENV_NO_SUPABASE_VARIABLES,
                    f"None of the {len(variables)} variables looks like a Supabase URL, key, "
                    "secret or database URL, by name or by value.",
                )
            )
        elif not self.vars and not self.findings:
            self.findings.append(
                make(C.ENV_NO_SUPABASE_VARIABLES, "The text defines no variables at all.")
            )
        return EnvReport(
            source=source,
            modified=modified,
            variables=variables,
            findings=ordered(self.findings),
            project_ref=self.main_ref,
            probed=self.probe,
        )

    def _freeze(self, v: _Var) -> EnvVariable:
        return EnvVariable(
            name=v.name,
            kind=v.kind,
            expected=v.expected,
            masked=mask_value(v.value, v.kind, v.expected),
            description=describe(v),
            public=v.public_prefix is not None,
            project_ref=v.project_ref,
            line=v.line,
            findings=ordered(_dedupe(v.findings)),
        )


# ---------------------------------------------------------------------------------------------
# Masks and descriptions


def mask_value(value: str, kind: str, expected: str | None = None) -> str:
    """A value as it may be shown: enough to recognise, never enough to use."""
    if not value:
        return ""
    bare = value.strip().strip("\"'").strip()
    if kind in JWT_KINDS or _JWT_SHAPE.match(bare):
        return mask_secret(bare)
    for prefix in (
        supabase.PUBLISHABLE_PREFIX,
        supabase.SECRET_PREFIX,
        supabase.PERSONAL_TOKEN_PREFIX,
    ):
        if bare.startswith(prefix):
            return f"{prefix}{MASK} ({len(bare)} chars)"
    if kind == "connection_string":
        return mask_connection_string(bare)
    if kind in ("supabase_url", "url") and expected not in SECRET_ROLES:
        return redact_text(mask_connection_string(bare))
    # Secrets and anything unrecognised: the length only.
    return f"{MASK} ({_count(len(value), 'char')})"


def mask_connection_string(url: str) -> str:
    """`scheme://user:***@host/db?…`: the password is whatever lies between the user's ':' and the
    LAST '@' of the authority (an unencoded '@' in a password must not leak its tail)."""
    m = re.match(r"^([a-z][a-z0-9+.-]*://)(.*)$", url, re.I | re.S)
    if not m:
        return redact_text(url)  # key=value form: password=... masked
    scheme, rest = m.groups()
    at = rest.rfind("@")
    if at >= 0:
        userinfo, hostpart = rest[:at], rest[at + 1 :]
        user, sep, _ = userinfo.partition(":")
        rest = f"{user}:{MASK}@{hostpart}" if sep else f"{user}@{hostpart}"
    return redact_text(scheme + rest)


def describe(v: _Var) -> str:
    """What the value really holds, in a few words."""
    kind = v.kind
    parts: list[str] = []
    if kind == "jwt_secret":
        n = len(v.value.encode())
        parts.append(f"HMAC secret, {n} bytes")
    elif kind == "connection_string" and v.conn is not None:
        label = HOST_KIND_LABELS.get(v.conn.host_kind, v.conn.host_kind)
        parts.append(f"Postgres connection string, {label}")
    elif kind == "supabase_url" and v.ref_mark == LOCAL_MARK:
        parts.append("the local stack's API URL")
    else:
        label = KIND_LABELS.get(kind, kind.replace("_", " "))
        parts.append(label.removeprefix("the ").removeprefix("a "))
    if v.project_ref:
        parts.append(f"project {v.project_ref}")
    elif v.ref_mark == LOCAL_MARK and kind != "supabase_url":
        parts.append("local demo value")
    if v.token is not None:
        alg = getattr(v.token.signature, "algorithm", None)
        if alg and kind in JWT_KINDS:
            parts.append(alg)
    return " · ".join(parts)


# ---------------------------------------------------------------------------------------------
# Small helpers for readable sentences


def _has_password(conn: Any) -> bool:
    try:
        return bool(conn.to_dict()["parsed"]["password"])
    except (AttributeError, KeyError, TypeError):
        return False


def _names(vs: list[_Var], last: str = " and ") -> str:
    names = list(dict.fromkeys(v.name for v in vs))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + last + names[-1]


def _holds(vs: list[_Var]) -> str:
    return "holds" if len(vs) == 1 else "hold"


def _is_are(vs: list[_Var]) -> str:
    return "is" if len(vs) == 1 else "are"


def _was_were(vs: list[_Var]) -> str:
    return "was" if len(vs) == 1 else "were"


def _belong(vs: list[_Var]) -> str:
    return "belongs" if len(vs) == 1 else "belong"


def _them(vs: list[_Var]) -> str:
    return "it" if len(vs) == 1 else "them"


def _both(a: list[_Var], b: list[_Var]) -> str:
    return "both" if len(a) + len(b) == 2 else "all"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _ref_in(v: _Var) -> str:
    return f" (project {v.project_ref})" if v.project_ref else ""


def _ref_source(v: _Var) -> str:
    """How the project was read from this variable, for the mismatch detail."""
    if v.kind == "connection_string" and v.conn is not None:
        hk = v.conn.host_kind
        if hk in ("supabase_pooler_session", "supabase_pooler_transaction"):
            return " (pooler user)"
        return " (database host)"
    if v.kind in JWT_KINDS:
        return " (demo key)" if v.ref_mark == LOCAL_MARK else " (key's ref)"
    return ""


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.code, f.detail) not in seen:
            seen.add((f.code, f.detail))
            out.append(f)
    return out


__all__ = [
    "EnvReport",
    "EnvVariable",
    "inspect_env",
    "mask_value",
    "role_for_name",
    "split_public_prefix",
]
