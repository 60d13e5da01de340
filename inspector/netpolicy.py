"""Where probes may go: shared mode's host and network allow-lists (local mode: anywhere).

The rule: resolve once, check every address, then connect only to an address that was checked.
The services take a `ProbePolicy` and call `check_host()` before any packet and
`check_address()` on each resolved address; a refusal is a `ProbeBlockedError`, which the
services turn into a `probe_blocked` finding.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

_METADATA = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"))


class ProbeBlockedError(Exception):
    """The policy refuses this host or address; nothing was sent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ProbePolicy:
    # None: any host (local mode). Otherwise fnmatch patterns like "*.supabase.co".
    allowed_hosts: tuple[str, ...] | None = None
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default_factory=tuple
    )

    @property
    def restricted(self) -> bool:
        return self.allowed_hosts is not None

    def check_host(self, host: str) -> None:
        if not self.restricted:
            return
        name = host.strip("[]").lower().rstrip(".")
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            ip = None
        if ip is not None:
            self.check_address(str(ip))
            return
        if not any(fnmatch.fnmatchcase(name, p) for p in self.allowed_hosts or ()):
            raise ProbeBlockedError(
                f"{host} is not on this site's allow-list ({', '.join(self.allowed_hosts or ())})"
            )

    def check_address(self, address: str) -> None:
        if not self.restricted:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in net for net in self.allowed_networks):
            return
        if any(ip in net for net in _METADATA):
            raise ProbeBlockedError(f"{address} is a cloud metadata address")
        for attr, label in (
            ("is_loopback", "a loopback"),
            ("is_private", "a private"),
            ("is_link_local", "a link-local"),
            ("is_multicast", "a multicast"),
            ("is_reserved", "a reserved"),
            ("is_unspecified", "an unspecified"),
        ):
            if getattr(ip, attr):
                raise ProbeBlockedError(f"{address} is {label} address")

    def check_addresses(self, addresses: Iterable[str]) -> None:
        for a in addresses:
            self.check_address(a)


LOCAL = ProbePolicy()


def from_settings(settings) -> ProbePolicy:
    if settings.get("INSPECTOR_MODE") != "shared":
        return LOCAL
    hosts = tuple(
        h.strip().lower() for h in str(settings.get("INSPECTOR_ALLOWED_HOSTS") or "").split(",")
    )
    nets = tuple(
        ipaddress.ip_network(n.strip(), strict=False)
        for n in str(settings.get("INSPECTOR_ALLOWED_NETWORKS") or "").split(",")
        if n.strip()
    )
    return ProbePolicy(tuple(h for h in hosts if h), nets)
