"""What the TLS step's facts mean: the chain the server sent, judged against every trust store,
weighed by what the client's sslmode checks. No I/O (io.py shook hands and read the stores)."""

from __future__ import annotations

from dataclasses import dataclass

from inspector import supabase
from inspector.connections import codes, tlsinfo
from inspector.connections.drivers import verifies
from inspector.connections.hosts import is_supabase
from inspector.connections.probe.model import (
    EARLIER_FAILED,
    OWN_ROOT_STORE,
    Handshake,
    Judged,
    SslmodeRow,
    Step,
    TlsReport,
    failed,
)
from inspector.findings import Finding, make
from inspector.vocabulary import StepStatus

# The sslrootcert each store stands for in the sslmode table.
_STORE_ROOTS = {"certifi": "$(python -m certifi)", "system": "system"}


@dataclass(frozen=True)
class TlsView:
    """What the login step needs of the TLS step: the chosen store and its verdict."""

    chosen: str
    verdict: tlsinfo.StoreVerdict


def tls_problem(code: str, reason: str, kind: str) -> codes.TlsProblem:
    """The finding for one problem of the chain (its fix names what to trust)."""
    if code in (codes.TLS_UNTRUSTED, codes.TLS_SELF_SIGNED):
        if "Supabase" in reason or is_supabase(kind):
            if code == codes.TLS_UNTRUSTED:
                return codes.TLS_UNTRUSTED_SUPABASE_CA
            return codes.TLS_SELF_SIGNED_SUPABASE_CA
        if code == codes.TLS_SELF_SIGNED:
            return codes.TLS_SELF_SIGNED_TRUST_IT
        return codes.TLS_UNTRUSTED_GIVE_CA
    if code == codes.TLS_HOSTNAME_MISMATCH:
        return codes.TLS_HOSTNAME_NAMES_LISTED
    return codes.TLS_EXPIRED_IN_CHAIN


def handshake_failed(st: Step, hs: Handshake) -> Judged:
    """A handshake that did not complete."""
    code = codes.TLS_HANDSHAKE_FAILED
    st.detail = f"The TLS handshake failed: {hs.error}."
    if hs.timed_out:
        code = codes.LOGIN_TIMEOUT
        st.detail = "The server answered S but did not finish the TLS handshake in time."
    cause = "the TLS handshake did not complete"
    return failed(st, make(code, st.detail), cause, EARLIER_FAILED)


def judge_chain(
    st: Step,
    hs: Handshake,
    sni: str | None,
    stores: dict[str, tlsinfo.Anchors],
    host: str,
    chosen: str,
    sslmode: str,
    kind: str,
    own_root: str | None = None,
) -> tuple[TlsView, TlsReport, list[Finding]]:
    """The chain against every store (`stores`: certifi, system, and the pasted CA or the
    string's own sslrootcert if any); the findings are what the `chosen` store (the one the
    login trusts) says, as errors where the sslmode checks it."""
    chain = tlsinfo.load_der_chain(list(hs.ders))
    infos = [tlsinfo.cert_info(c) for c in chain]
    verdicts = {
        name: tlsinfo.evaluate(chain, anchors, name, host) for name, anchors in stores.items()
    }
    report: TlsReport = {
        "version": hs.version,
        "cipher": hs.cipher,
        "alpn": hs.alpn,
        "sni": sni,
        "chain": [i.to_dict() for i in infos],
        "stores": [v.to_dict() for v in verdicts.values()],
        "chosen_store": chosen,
        "sslmodes": sslmode_table(verdicts, kind, own_root),
    }
    leaf_info = infos[0] if infos else None
    st.detail = (
        f"{hs.version}, {hs.cipher or '?'}; certificate "
        f"{leaf_info.subject_cn if leaf_info else '?'} issued by "
        f"{leaf_info.issuer_cn if leaf_info else '?'}. {chosen}: {verdicts[chosen].short}."
    )
    st.data.update({"version": hs.version, "cipher": hs.cipher, "chain_length": len(chain)})
    v = verdicts[chosen]
    findings = [_problem(st, code, reason, chosen, sslmode, kind) for code, reason in v.problems]
    return TlsView(chosen, v), report, findings


def _problem(st: Step, code: str, reason: str, chosen: str, sslmode: str, kind: str) -> Finding:
    """One problem of the chosen store's verdict: an error when the sslmode checks it (the
    login will fail and carry the verdict), a warning when it connects anyway, unverified."""
    # verify-ca checks the chain, not the host name.
    hostname = code == codes.TLS_HOSTNAME_MISMATCH
    checked = sslmode == "verify-full" if hostname else verifies(sslmode)
    note = (
        f" With sslmode={sslmode} the login fails."
        if checked
        else f" sslmode={sslmode} does not check this, so it connects, unverified."
    )
    problem = tls_problem(code, reason, kind)
    if checked and st.status is StepStatus.OK:
        st.status = StepStatus.WARNING
    return (problem.checked if checked else problem.unchecked).make(f"{chosen}: {reason}.{note}")


def sslmode_table(
    verdicts: dict[str, tlsinfo.StoreVerdict], kind: str, own_root: str | None = None
) -> list[SslmodeRow]:
    """Which sslmode values would succeed, with which sslrootcert."""
    rows: list[SslmodeRow] = [
        {
            "sslmode": "require",
            "sslrootcert": None,
            "ok": True,
            "why": "encrypts without checking the certificate (if no root.crt exists)",
        },
    ]
    pasted = supabase.SUPABASE_CA_FILE if is_supabase(kind) else "your-ca.crt"
    for name, v in verdicts.items():
        for mode, ok in (("verify-ca", v.chain_ok), ("verify-full", v.full_ok)):
            why = "ok" if ok else v.short  # the store's reason is said once, in its row
            if mode == "verify-ca" and ok and not v.name_ok:
                why = "ok: the chain verifies (the host name is not checked)"
            if mode == "verify-ca" and name == "system":
                # libpq 16+: `weak sslmode "verify-ca" may not be used with sslrootcert=system`
                ok, why = False, "libpq takes sslrootcert=system only with verify-full"
            root = (
                own_root if name == OWN_ROOT_STORE and own_root else _STORE_ROOTS.get(name, pasted)
            )
            rows.append({"sslmode": mode, "sslrootcert": root, "store": name, "ok": ok, "why": why})
    return rows
