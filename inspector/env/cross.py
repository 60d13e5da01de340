"""The cross-checks, the questions of a deploy review: does the JWT secret verify the keys, are
the anon and service keys in each other's place, and do all values name the same project."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from inspector.env import codes as C
from inspector.env.names import Role
from inspector.env.values import (
    ANON_KINDS,
    JWT_KINDS,
    LEGACY_KEY_KINDS,
    LOCAL_MARK,
    NOT_HMAC_KINDS,
    SB_KEY_KINDS,
    SERVICE_KINDS,
    ValueKind,
    Var,
)
from inspector.env.words import agree, join
from inspector.findings import Finding, make
from inspector.netpolicy import ProbePolicy
from inspector.vocabulary import HostKind, SignatureStatus, TokenKind

# Findings of a verification call (`inspect_token(key, key=secret)`) that are about the secret.
_SECRET_CODES = (
    "weak_secret",
    "known_public_secret",
    "key_needs_trim",
    "key_base64_decoded",
    "key_hex_decoded",
)


def main_project(variables: Sequence[Var]) -> str | None:
    """The project most values name; the URL's project breaks a tie."""
    refs = Counter(v.project_ref for v in variables if v.project_ref)
    if not refs:
        return None
    best = max(refs.values())
    for v in variables:
        if v.expected is Role.URL and v.project_ref and refs[v.project_ref] == best:
            return v.project_ref
    return refs.most_common(1)[0][0]


# ---------------------------------------------------------------------------------------------
# The keys


def cross_keys(variables: Sequence[Var], main: str | None) -> list[Finding]:
    """Anon and service keys in each other's place: swapped (said for the file), or one in the
    wrong slot (said on the variable)."""
    in_anon = [v for v in variables if v.expected is Role.ANON and v.kind in SERVICE_KINDS]
    in_service = [v for v in variables if v.expected is Role.SERVICE and v.kind in ANON_KINDS]
    if in_anon and in_service:
        detail = (
            f"{_names(in_anon)} {agree(in_anon, 'holds', 'hold')} the service key, and "
            f"{_names(in_service)} {agree(in_service, 'holds', 'hold')} the anon key."
        )
        return [make(C.KEYS_SWAPPED, detail, **C.dashboards(main))]
    for v in in_anon:
        v.findings.append(
            make(
                C.ANON_KEY_IS_SERVICE_ROLE,
                f"{v.name} holds {v.kind.phrase}, which bypasses Row Level Security.",
                **C.dashboards(v.project_ref or main),
            )
        )
    for v in in_service:
        v.findings.append(
            make(
                C.SERVICE_KEY_IS_ANON,
                f"{v.name} holds {v.kind.phrase}, not a service key.",
                **C.dashboards(v.project_ref or main),
            )
        )
    return []


# ---------------------------------------------------------------------------------------------
# The projects


def cross_refs(variables: Sequence[Var], main: str | None) -> list[Finding]:
    """Every value that names a project names the same one."""
    by_ref: dict[str, list[Var]] = {}
    for v in variables:
        if v.ref_mark:
            by_ref.setdefault(v.ref_mark, []).append(v)
    if len(by_ref) < 2:
        return []
    groups = []
    for mark, vs in by_ref.items():
        who = ", ".join(f"{v.name}{_ref_source(v)}" for v in vs)
        what = "the local stack (supabase start)" if mark == LOCAL_MARK else f"project {mark}"
        groups.append(f"{who} → {what}")
    # Two marks at least: one of them is a real project, so there is a main project.
    ref = main or next(r for r in by_ref if r != LOCAL_MARK)
    variant = C.VALUES_OF_MANY_PROJECTS if len(by_ref) > 2 else C.VALUES_OF_TWO_PROJECTS
    detail = "Values name different projects: " + "; ".join(groups) + "."
    return [variant.make(detail, ref=ref, count=len(by_ref), **C.dashboards(ref))]


def _ref_source(v: Var) -> str:
    """How the project was read from this variable, for the mismatch detail."""
    if v.kind is TokenKind.CONNECTION_STRING and v.conn is not None:
        pooled = (HostKind.SUPABASE_POOLER_SESSION, HostKind.SUPABASE_POOLER_TRANSACTION)
        return " (pooler user)" if v.conn.host_kind in pooled else " (database host)"
    if v.kind in JWT_KINDS:
        return " (demo key)" if v.ref_mark == LOCAL_MARK else " (key's ref)"
    return ""


# ---------------------------------------------------------------------------------------------
# The JWT secret


def cross_secret(variables: Sequence[Var], main: str | None, policy: ProbePolicy) -> list[Finding]:
    """Does each JWT secret verify the legacy keys; is the "secret" a key instead."""
    secrets = [v for v in variables if v.expected is Role.JWT_SECRET]
    keys: dict[str, list[Var]] = {}
    for v in variables:
        if v.kind in LEGACY_KEY_KINDS:
            keys.setdefault(v.value, []).append(v)
    if not secrets:
        if not keys:
            return []
        holders = [v for vs in keys.values() for v in vs]
        detail = (
            f"{_names(holders)} {agree(holders, 'is a legacy JWT key', 'are legacy JWT keys')}, "
            f"and no SUPABASE_JWT_SECRET is here to verify {agree(holders, 'it', 'them')}."
        )
        return [make(C.JWT_SECRET_MISSING, detail, **C.dashboards(main))]
    findings: list[Finding] = []
    for s in secrets:
        if s.kind is ValueKind.EMPTY:
            continue  # jwt_secret_empty already said it
        wrong = _not_a_secret(s, variables, main)
        if wrong is not None:
            findings.append(wrong)
        elif keys:
            findings.extend(_verify_keys(s, keys, main, policy))
    return findings


def _not_a_secret(s: Var, variables: Sequence[Var], main: str | None) -> Finding | None:
    """The finding when the secret variable holds a JWT, a key, a URL or an sb_ key."""
    if s.kind in JWT_KINDS:
        same = [v for v in variables if v is not s and v.value.strip() == s.value.strip()]
        also = f" (the same value as {_names(same)})" if same else ""
        proj = f" of project {s.project_ref}" if s.project_ref else ""
        detail = (
            f"{s.name} holds {s.kind.phrase}{proj}{also}, not the JWT secret: the keys are "
            "tokens signed with the secret, so nothing can be verified with a key."
        )
        dash = C.dashboards(s.project_ref or main)
        if s.kind in LEGACY_KEY_KINDS:
            key = s.kind.phrase.removeprefix("the ")
            return C.SECRET_IS_LEGACY_KEY.make(detail, name=s.name, key=key, **dash)
        return C.SECRET_IS_OTHER_JWT.make(detail, name=s.name, **dash)
    if s.kind in NOT_HMAC_KINDS:
        not_a_key = (ValueKind.URL, ValueKind.SUPABASE_URL, TokenKind.CONNECTION_STRING)
        if s.kind in not_a_key:
            detail = f"{s.name} holds {s.kind.phrase}, not an HMAC secret."
            return make(C.JWT_SECRET_NOT_HMAC, detail, **C.dashboards(main))
        detail = (
            f"{s.name} holds {s.kind.phrase}, not an HMAC secret: that verifies asymmetric "
            "(ES256/RS256) user tokens only, never the HS256 anon and service_role keys."
        )
        return C.SECRET_IS_PUBLIC_KEY.make(detail, **C.dashboards(main))
    if s.kind in SB_KEY_KINDS:
        detail = (
            f"{s.name} holds {s.kind.phrase}, not the JWT secret: sb_ keys are opaque API keys "
            "and sign nothing."
        )
        return C.SECRET_IS_SB_KEY.make(detail, name=s.name, **C.dashboards(main))
    return None


@dataclass
class _Tried:
    """The keys sorted by what the secret made of their signatures."""

    verified: list[Var] = field(default_factory=list)
    failed: list[Var] = field(default_factory=list)
    trimmed: list[Var] = field(default_factory=list)  # valid once the secret is trimmed
    decoded: list[Var] = field(default_factory=list)  # valid once base64- or hex-decoded
    how: str = "decoded"
    asymmetric: list[Var] = field(default_factory=list)
    secret_findings: dict[str, Finding] = field(default_factory=dict)  # about the secret


def _try_secret(s: Var, keys: dict[str, list[Var]], policy: ProbePolicy) -> _Tried:
    from inspector.tokens import inspect_token

    tried = _Tried()
    for value, holders in keys.items():
        # The policy guards any fetch the token inspector might make for a key.
        report = inspect_token(value, key=s.value, policy=policy, fetch_timeout=3.0)
        for f in report.findings:
            if f.code in _SECRET_CODES:
                tried.secret_findings.setdefault(f.code, f)
        status, used = report.signature.status, report.signature.key_used
        if status == SignatureStatus.VALID and used == "secret_trimmed":
            tried.trimmed.extend(holders)
        elif status == SignatureStatus.VALID and used and used.startswith("secret_"):
            tried.decoded.extend(holders)
            tried.how = used.removeprefix("secret_").replace("_", "-")
        elif status == SignatureStatus.VALID:
            tried.verified.extend(holders)
        elif status == SignatureStatus.WRONG_KEY_TYPE:
            tried.asymmetric.extend(holders)
        else:
            tried.failed.extend(holders)
    return tried


def _verify_keys(
    s: Var, keys: dict[str, list[Var]], main: str | None, policy: ProbePolicy
) -> list[Finding]:
    tried = _try_secret(s, keys, policy)
    s.findings.extend(tried.secret_findings.values())
    findings: list[Finding] = []
    if tried.verified:
        good = _names(tried.verified)
        refs = sorted({v.project_ref for v in tried.verified if v.project_ref})
        where = f" (project {', '.join(refs)})" if refs else ""
        detail = f"{s.name} verifies {good}{where}."
        findings.append(C.SECRET_VERIFIES_NAMED_KEYS.make(detail, name=s.name, keys=good))
    if tried.asymmetric:
        them = tried.asymmetric
        detail = (
            f"{_names(them)} {agree(them, 'is', 'are')} signed with ES256/RS256: "
            f"{s.name} (an HMAC secret) cannot check {agree(them, 'it', 'them')}."
        )
        findings.append(make(C.KEYS_SIGNED_ASYMMETRICALLY, detail))
    if tried.trimmed:
        detail = (
            f"{s.name} verifies {_names(tried.trimmed)} only once the quotes or whitespace "
            "around it are removed: as written, the app's verification fails."
        )
        findings.append(C.SECRET_VERIFIES_ONCE_TRIMMED.make(detail, name=s.name))
    if tried.decoded:
        detail = (
            f"{s.name} verifies {_names(tried.decoded)} only when {tried.how}; Supabase uses "
            "the secret as the raw string, so these keys were not signed by Supabase with it "
            "as written."
        )
        findings.append(
            C.SECRET_VERIFIES_ONCE_DECODED.make(
                detail, name=s.name, how=tried.how, **C.dashboards(main)
            )
        )
    if tried.failed:
        findings.append(_explain_failure(s, tried.verified, tried.failed, main))
    return findings


def _explain_failure(s: Var, verified: list[Var], failed: list[Var], main: str | None) -> Finding:
    """Why the secret does not verify some keys, with the dashboard that has the right value."""
    ok_refs = {v.project_ref for v in verified if v.project_ref}
    bad_refs = {v.project_ref for v in failed if v.project_ref}
    bad = _names(failed)
    if ok_refs and bad_refs and not ok_refs & bad_refs:
        return _keys_of_two_projects(s, verified, failed, main, ok_refs, bad_refs)
    if verified:
        good = _names(verified)
        detail = (
            f"{s.name} verifies {good} but not {bad}, although "
            f"{'both' if len(failed) + len(verified) == 2 else 'all'} name the same project: "
            f"{bad} {agree(failed, 'was', 'were')} signed with another secret (issued before "
            "a rotation?)."
        )
        ref = main or next(iter(sorted(ok_refs | bad_refs)), None)
        return C.SECRET_VERIFIES_SOME_KEYS.make(
            detail, name=s.name, good=good, bad=bad, **C.dashboards(ref)
        )
    # It verifies none of them.
    if len(bad_refs) == 1:
        (ref,) = bad_refs
        if len(failed) > 1:
            detail = (
                f"{s.name} verifies neither of {bad} (project {ref}): it is another project's "
                "secret, or the secret was rotated after these keys were issued."
            )
        else:
            detail = (
                f"{s.name} does not verify {bad} (project {ref}): it is another project's "
                "secret, or the secret was rotated after this key was issued."
            )
        return C.SECRET_NOT_OF_PROJECT.make(detail, name=s.name, ref=ref, **C.dashboards(ref))
    where = "; ".join(
        f"{v.name} (project {v.project_ref})" if v.project_ref else v.name for v in failed
    )
    detail = (
        f"{s.name} verifies none of: {where}. It belongs to another project, or was "
        "rotated after the keys were issued."
    )
    return C.SECRET_VERIFIES_NO_KEY.make(detail, name=s.name, keys=bad, **C.dashboards(main))


def _keys_of_two_projects(
    s: Var,
    verified: list[Var],
    failed: list[Var],
    main: str | None,
    ok_refs: set[str],
    bad_refs: set[str],
) -> Finding:
    """The secret verifies the keys of one project and not those of another."""
    good, bad = _names(verified), _names(failed)
    ok_ref, bad_ref = ", ".join(sorted(ok_refs)), ", ".join(sorted(bad_refs))
    if (main is not None and main in bad_refs) or (main is None and len(failed) >= len(verified)):
        # The secret goes with the odd key out: it is the other project's secret.
        detail = (
            f"{s.name} verifies {good} (project {ok_ref}) but not {bad} (project {bad_ref}): "
            f"the secret belongs to project {ok_ref}, not to {bad_ref}."
        )
        dash = C.dashboards(main or sorted(bad_refs)[0])
        return C.SECRET_OF_ANOTHER_PROJECT.make(detail, name=s.name, ref=ok_ref, **dash)
    detail = (
        f"{s.name} verifies {good} (project {ok_ref}) but not {bad}, which "
        f"{agree(failed, 'is', 'are')} from project {bad_ref}."
    )
    dash = C.dashboards(main or sorted(ok_refs)[0])
    belong = agree(failed, "belongs", "belong")
    return C.KEYS_OF_ANOTHER_PROJECT.make(detail, keys=bad, belong=belong, ref=bad_ref, **dash)


def _names(vs: Sequence[Var]) -> str:
    return join([v.name for v in vs])
