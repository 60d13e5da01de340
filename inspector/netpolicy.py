"""Where probes may go: shared mode's host and network allow-lists (local mode: anywhere).

The rule: resolve once, check every address, then connect only to an address that was checked.
The services take a `ProbePolicy` and call `check_host()` before any packet and
`check_address()` on each resolved address; a refusal is a `ProbeBlockedError`, which the
services turn into a `probe_blocked` finding.

Only globally routable unicast addresses pass, unless a CIDR of `allowed_networks` holds them.
Addresses that carry an IPv4 address inside an IPv6 one (IPv4-mapped `::ffff:a.b.c.d`,
IPv4-compatible `::a.b.c.d`, 6to4 `2002::/16`, Teredo, NAT64 `64:ff9b::/96`) are judged by the
IPv4 address they lead to as well. Cloud metadata addresses are refused even inside an allowed
network, unless that network names exactly the one address.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# AWS, GCP, Azure, OCI, DigitalOcean (169.254.169.254), AWS over IPv6, Alibaba Cloud.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# What glibc's inet_aton also takes as an IPv4 address: "127.1", "0x7f.1", "2130706433".
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


class ProbeBlockedError(Exception):
    """The policy refuses this host or address; nothing was sent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalize_host(host: str) -> str:
    """The host as the resolver will see it: IDNA-encoded (as `socket.getaddrinfo` does),
    lower case, without brackets or a trailing dot. ProbeBlockedError when it is no host name."""
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        ip = None
    if ip is not None:
        return str(ip)
    try:
        # The codec getaddrinfo uses for str hosts: the same folding (full-width letters,
        # ideographic dots) happens here, so the name checked is the name resolved.
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ProbeBlockedError(f"{host!r} is not a valid host name") from exc
    ascii_name = ascii_name.removesuffix(".")
    if not ascii_name or not all(_LABEL.match(label) for label in ascii_name.split(".")):
        raise ProbeBlockedError(f"{host!r} is not a valid host name")
    return ascii_name


def _legacy_ipv4(name: str) -> ipaddress.IPv4Address | None:
    """`127.1` and friends: names the C resolver reads as IPv4 addresses."""
    if not _LEGACY_IPV4.match(name):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, compatible, 6to4, Teredo, NAT64)."""
    if ip.version != 6:
        return []
    assert isinstance(ip, ipaddress.IPv6Address)
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _refusal(ip: IPAddress) -> str | None:
    """Why this address is not a public unicast one (None: it is)."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for attr, label in (
        ("is_unspecified", "an unspecified (0.0.0.0 / ::) address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
    ):
        if getattr(ip, attr):
            return label
    if ip.version == 4 and ip in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


@dataclass(frozen=True)
class ProbePolicy:
    # None: any host (local mode). Otherwise patterns: "*.supabase.co" (any name under it),
    # "db.example.com" (exactly), "*" (any name: addresses are still checked).
    allowed_hosts: tuple[str, ...] | None = None
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @property
    def restricted(self) -> bool:
        return self.allowed_hosts is not None

    def _host_allowed(self, name: str) -> bool:
        for pattern in self.allowed_hosts or ():
            if pattern == "*" or pattern == name:
                return True
            if pattern.startswith("*.") and name.endswith(pattern[1:]) and name != pattern[2:]:
                return True
        return False

    def _in_allowed_network(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allowed_networks)

    def check_host(self, host: str) -> str:
        """Refuse a host name off the allow-list or an address literal that may not be probed.
        Returns the normalised host (the name to resolve)."""
        if not self.restricted:
            return host
        if not host or not host.strip():
            raise ProbeBlockedError("no host given: this site probes network hosts only")
        if host.strip().startswith("/"):
            raise ProbeBlockedError(
                f"{host} is a local socket path: this site probes network hosts only"
            )
        name = normalize_host(host)
        literal: IPAddress | None
        try:
            literal = ipaddress.ip_address(name)
        except ValueError:
            literal = _legacy_ipv4(name)
        if literal is not None:
            self.check_address(str(literal))
            if not self._in_allowed_network(literal) and not self._host_allowed(name):
                raise ProbeBlockedError(
                    f"{host} is an address that is not on this site's allow-list "
                    f"({self.describe()})"
                )
            return str(literal)
        if not self._host_allowed(name):
            raise ProbeBlockedError(f"{host} is not on this site's allow-list ({self.describe()})")
        return name

    def check_address(self, address: str) -> None:
        """Refuse a resolved address that is not public (unless an allowed network holds it)."""
        if not self.restricted:
            return
        try:
            ip = ipaddress.ip_address(str(address).strip("[]").split("%", 1)[0])
        except ValueError as exc:
            raise ProbeBlockedError(f"{address!r} is not an IP address") from exc
        embedded = _embedded_ipv4(ip)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket: judge that address alone.
            self.check_address(str(ip.ipv4_mapped))
            return
        if ip in METADATA_ADDRESSES:
            exact = any(net.num_addresses == 1 and ip in net for net in self.allowed_networks)
            if not exact:
                raise ProbeBlockedError(f"{address} is a cloud metadata address")
            return
        if self._in_allowed_network(ip):
            return
        for inner in embedded:
            if inner in METADATA_ADDRESSES or (
                not self._in_allowed_network(inner) and _refusal(inner)
            ):
                raise ProbeBlockedError(
                    f"{address} leads to {inner}, {_refusal(inner) or 'a blocked address'}"
                )
        if embedded and _only_wrapper(ip):
            return  # a NAT64 / IPv4-compatible wrapper is as good as the address it wraps
        reason = _refusal(ip)
        if reason:
            raise ProbeBlockedError(f"{address} is {reason}")

    def check_addresses(self, addresses: Iterable[str]) -> None:
        for a in addresses:
            self.check_address(a)

    def describe(self) -> str:
        """The allow-list in words, for findings."""
        if not self.restricted:
            return "any host"
        parts = list(self.allowed_hosts or ()) + [str(n) for n in self.allowed_networks]
        return ", ".join(parts) or "nothing"


def _only_wrapper(ip: IPAddress) -> bool:
    """NAT64 and IPv4-compatible addresses count as 'reserved' only because they wrap an IPv4
    address; that address has been judged."""
    return any(ip in net for net in _NAT64) or ip in _IPV4_COMPATIBLE


LOCAL = ProbePolicy()


def parse_hosts(value: Any) -> tuple[str, ...]:
    """`INSPECTOR_ALLOWED_HOSTS` (comma-separated patterns) as normalised patterns."""
    patterns = []
    for raw in str(value or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        if raw == "*":
            patterns.append("*")
        elif raw.startswith("*."):
            patterns.append("*." + normalize_host(raw[2:]))
        else:
            patterns.append(normalize_host(raw))
    return tuple(patterns)


def parse_networks(value: Any) -> tuple[IPNetwork, ...]:
    """`INSPECTOR_ALLOWED_NETWORKS` (comma-separated CIDRs). ValueError on a bad one."""
    return tuple(
        ipaddress.ip_network(n.strip(), strict=False)
        for n in str(value or "").split(",")
        if n.strip()
    )


def from_settings(settings: Mapping[str, Any]) -> ProbePolicy:
    if settings.get("INSPECTOR_MODE") != "shared":
        return LOCAL
    return ProbePolicy(
        parse_hosts(settings.get("INSPECTOR_ALLOWED_HOSTS")),
        parse_networks(settings.get("INSPECTOR_ALLOWED_NETWORKS")),
    )
