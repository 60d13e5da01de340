"""Certificates: parse a chain with cryptography and judge it against a trust store. No I/O:
the trust stores' files are read by `probe/io.py`.

The judge follows the path leaf -> issuer (by name and signature) through the certificates the
server sent, up to a certificate the store holds, and names the exact reason when it cannot:
self-signed, issuer not trusted (naming it), expired (with dates), host name not in the SANs.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from typing import TypedDict

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from inspector import supabase
from inspector.connections import codes


class CertDict(TypedDict):
    subject: str
    issuer: str
    subject_cn: str
    issuer_cn: str
    sans: list[str]
    not_before: str
    not_after: str
    key: str
    sha256: str
    serial: str
    self_signed: bool
    is_ca: bool
    expired: bool
    not_yet_valid: bool


class ProblemDict(TypedDict):
    code: str
    reason: str


class StoreDict(TypedDict):
    store: str
    verify_ca: bool
    verify_full: bool
    code: str | None
    reason: str
    problems: list[ProblemDict]


@dataclass(frozen=True)
class CertInfo:
    subject: str
    issuer: str
    subject_cn: str
    issuer_cn: str
    sans: tuple[str, ...]
    not_before: str
    not_after: str
    key: str
    sha256: str
    serial: str
    self_signed: bool
    is_ca: bool
    expired: bool
    not_yet_valid: bool

    def to_dict(self) -> CertDict:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "subject_cn": self.subject_cn,
            "issuer_cn": self.issuer_cn,
            "sans": list(self.sans),
            "not_before": self.not_before,
            "not_after": self.not_after,
            "key": self.key,
            "sha256": self.sha256,
            "serial": self.serial,
            "self_signed": self.self_signed,
            "is_ca": self.is_ca,
            "expired": self.expired,
            "not_yet_valid": self.not_yet_valid,
        }


@dataclass(frozen=True)
class StoreVerdict:
    """One trust store's judgement of the chain."""

    store: str  # "certifi", "system", "pasted CA"
    chain_ok: bool
    name_ok: bool
    code: str | None  # the finding code of the first problem, None when fully ok
    reason: str  # "ok: ..." or the exact reason
    problems: tuple[tuple[str, str], ...] = field(default=())  # every (code, reason)

    @property
    def full_ok(self) -> bool:
        return self.chain_ok and self.name_ok

    @property
    def short(self) -> str:
        """The verdict in a few words, where the reason was said already (a table's rows, the
        TLS step): "trusted", "untrusted issuer", "expired", "wrong host name"."""
        return _SHORT.get(self.code, "not trusted") if self.code else "trusted"

    def to_dict(self) -> StoreDict:
        return {
            "store": self.store,
            "verify_ca": self.chain_ok,
            "verify_full": self.full_ok,
            "code": self.code,
            "reason": self.reason,
            "problems": [{"code": c, "reason": r} for c, r in self.problems],
        }


_SHORT = {
    codes.TLS_UNTRUSTED: "untrusted issuer",
    codes.TLS_SELF_SIGNED: "self-signed",
    codes.TLS_EXPIRED: "expired",
    codes.TLS_HOSTNAME_MISMATCH: "wrong host name",
}


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if attrs:
        return str(attrs[0].value)
    return name.rfc4514_string() or "(empty name)"


def _key_text(cert: x509.Certificate) -> str:
    k = cert.public_key()
    if isinstance(k, rsa.RSAPublicKey):
        return f"RSA {k.key_size} bits"
    if isinstance(k, ec.EllipticCurvePublicKey):
        return f"EC {k.curve.name}"
    if isinstance(k, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(k, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(k, dsa.DSAPublicKey):
        return f"DSA {k.key_size} bits"
    return type(k).__name__


def sans_of(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    names = [f"DNS:{n}" for n in ext.get_values_for_type(x509.DNSName)]
    names += [f"IP:{n}" for n in ext.get_values_for_type(x509.IPAddress)]
    return tuple(names)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except Exception:  # noqa: BLE001 - any failure means "not this parent"
        return False
    return True


def _when(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S UTC")


def cert_info(cert: x509.Certificate, now: dt.datetime | None = None) -> CertInfo:
    now = now or dt.datetime.now(dt.UTC)
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        subject_cn=_cn(cert.subject),
        issuer_cn=_cn(cert.issuer),
        sans=sans_of(cert),
        not_before=_when(cert.not_valid_before_utc),
        not_after=_when(cert.not_valid_after_utc),
        key=_key_text(cert),
        sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        serial=format(cert.serial_number, "X"),
        self_signed=issued_by(cert, cert),
        is_ca=_is_ca(cert),
        expired=cert.not_valid_after_utc < now,
        not_yet_valid=cert.not_valid_before_utc > now,
    )


def load_der_chain(ders: list[bytes]) -> list[x509.Certificate]:
    out = []
    for d in ders:
        try:
            out.append(x509.load_der_x509_certificate(d))
        except ValueError:
            continue
    return out


def load_pem_certs(pem: str | bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM text (others, like keys, are skipped)."""
    data = pem.encode("utf-8", "replace") if isinstance(pem, str) else pem
    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError:
        return []


@dataclass(frozen=True)
class Anchors:
    """Trust anchors indexed by subject and fingerprint (built once per store file)."""

    certs: tuple[x509.Certificate, ...]
    by_subject: dict[bytes, tuple[x509.Certificate, ...]]
    fingerprints: frozenset[bytes]


def anchors_of(certs: tuple[x509.Certificate, ...] | list[x509.Certificate]) -> Anchors:
    by_subject: dict[bytes, list[x509.Certificate]] = {}
    for a in certs:
        by_subject.setdefault(a.subject.public_bytes(), []).append(a)
    return Anchors(
        tuple(certs),
        {k: tuple(v) for k, v in by_subject.items()},
        frozenset(a.fingerprint(hashes.SHA256()) for a in certs),
    )


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    """RFC 6125 as libpq applies it: SANs (DNS with a left-most `*`, IP), else the CN."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    sans = sans_of(cert)
    dns = [s[4:].lower() for s in sans if s.startswith("DNS:")]
    ips = [s[3:] for s in sans if s.startswith("IP:")]
    if ip is not None:
        if any(ipaddress.ip_address(a) == ip for a in ips):
            return True
        if not sans:
            return _cn(cert.subject).lower() == host
        return False
    if not dns and not ips:
        dns = [_cn(cert.subject).lower()]
    for pattern in dns:
        if pattern == host:
            return True
        first, _, rest = host.partition(".")
        if pattern.startswith("*.") and first and rest == pattern[2:]:
            return True
    return False


def _not_in(name: str, store: str) -> str:
    """The missing CA, named (a Supabase chain lacks Supabase's root). The fact only: what to
    give the client is the finding's fix, said once (codes.TLS_UNTRUSTED_*)."""
    if supabase.is_supabase_ca_name(name):
        name = supabase.SUPABASE_ROOT_CA_CN
    return f"{name} is not in {store}"


def evaluate(
    chain: list[x509.Certificate],
    anchors: Anchors | tuple[x509.Certificate, ...] | list[x509.Certificate],
    store: str,
    hostname: str | None,
    now: dt.datetime | None = None,
) -> StoreVerdict:
    """Judge the chain the server sent against one store's anchors."""
    now = now or dt.datetime.now(dt.UTC)
    if not chain:
        return StoreVerdict(store, False, False, codes.TLS_UNTRUSTED, "no certificate to check")
    index = anchors if isinstance(anchors, Anchors) else anchors_of(tuple(anchors))
    path, trusted_by = _trust_path(chain, index)
    problems: list[tuple[str, str]] = []
    if trusted_by is None:
        problems.append(_untrusted(chain, path[-1], store))
    problems += _out_of_date(path, now)
    chain_ok = not problems
    name_ok = True
    if hostname:
        name_ok = hostname_matches(chain[0], hostname)
        if not name_ok:
            names = ", ".join(sans_of(chain[0])) or f"CN={_cn(chain[0].subject)} (no SANs)"
            problems.append(
                (
                    codes.TLS_HOSTNAME_MISMATCH,
                    f"the certificate is not valid for {hostname!r}: it names {names}",
                )
            )
    if not problems:
        via = _cn(trusted_by.subject) if trusted_by is not None else "?"
        return StoreVerdict(store, True, True, None, f"ok: chains to {via}")
    return StoreVerdict(store, chain_ok, name_ok, problems[0][0], problems[0][1], tuple(problems))


def _trust_path(
    chain: list[x509.Certificate], index: Anchors
) -> tuple[list[x509.Certificate], x509.Certificate | None]:
    """(leaf -> issuer path through the certificates sent, the anchor that ends it or None)."""
    path = [chain[0]]
    current = chain[0]
    for _ in range(10):
        if current.fingerprint(hashes.SHA256()) in index.fingerprints:
            return path, current
        parent = next(
            (
                a
                for a in index.by_subject.get(current.issuer.public_bytes(), ())
                if issued_by(current, a)
            ),
            None,
        )
        if parent is not None:
            path.append(parent)
            return path, parent
        nxt = next(
            (c for c in chain if c is not current and c not in path and issued_by(current, c)),
            None,
        )
        if nxt is None:
            break
        path.append(nxt)
        current = nxt
    return path, None


def _untrusted(chain: list[x509.Certificate], top: x509.Certificate, store: str) -> tuple[str, str]:
    """Why a path that reaches no anchor of the store is not trusted."""
    top_self = issued_by(top, top)
    if top is chain[0] and top_self:
        return (
            codes.TLS_SELF_SIGNED,
            f"the server's certificate ({_cn(top.subject)}) is self-signed and {store} "
            "does not hold it",
        )
    if top_self:
        return (
            codes.TLS_UNTRUSTED,
            f"the chain ends at the self-signed root {_cn(top.subject)}; "
            + _not_in(_cn(top.subject), store),
        )
    return (
        codes.TLS_UNTRUSTED,
        f"issued by {_cn(top.issuer)}, which the server did not send; "
        + _not_in(_cn(top.issuer), store),
    )


def _out_of_date(path: list[x509.Certificate], now: dt.datetime) -> list[tuple[str, str]]:
    out = []
    for c in path:
        if c.not_valid_after_utc < now:
            out.append(
                (
                    codes.TLS_EXPIRED,
                    f"{_cn(c.subject)} expired on {_when(c.not_valid_after_utc)} (valid from "
                    f"{_when(c.not_valid_before_utc)})",
                )
            )
        elif c.not_valid_before_utc > now:
            out.append(
                (
                    codes.TLS_EXPIRED,
                    f"{_cn(c.subject)} is not valid before {_when(c.not_valid_before_utc)}",
                )
            )
    return out
