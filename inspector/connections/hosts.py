"""What the host of a string is: its kind (the vocabulary's `HostKind`), its Supabase project,
whether it is remote. No I/O: the answers come from the string and `inspector.supabase`."""

from __future__ import annotations

import ipaddress

from inspector import supabase
from inspector.connections.parse import ParsedConnection
from inspector.vocabulary import HostKind

_LOCAL_KINDS = (HostKind.LOCAL, HostKind.SUPABASE_LOCAL)
# Supabase's shared pooler (Supavisor): it finds the project from the user `role.<ref>`.
SHARED_POOLER_KINDS = (HostKind.SUPABASE_POOLER_SESSION, HostKind.SUPABASE_POOLER_TRANSACTION)


def host_info(p: ParsedConnection) -> tuple[HostKind, str | None]:
    """(host kind, project ref) of the first host; the ref also from a pooler user or options."""
    h = p.host
    if not p.ok or h is None:
        return HostKind.OTHER, None
    info = supabase.classify_host(h.host or None, h.effective_port, p.user)
    ref = (
        info.project_ref
        or supabase.ref_from_pooler_user(p.user)
        or supabase.ref_from_options(p.param("options"))
    )
    return HostKind(info.kind), ref


def is_remote(kind: str, p: ParsedConnection) -> bool:
    """A host over the network (not a socket, not loopback, not a local stack)."""
    h = p.host
    if h is None or h.is_socket:
        return False
    return kind not in _LOCAL_KINDS and not supabase.is_loopback_host(h.host)


def is_supabase(kind: str) -> bool:
    """Any Supabase endpoint, the local CLI stack included."""
    return kind.startswith("supabase_")


def is_supabase_cloud(kind: str) -> bool:
    """A Supabase endpoint on the internet (its certificates come from Supabase's CA)."""
    return is_supabase(kind) and kind != HostKind.SUPABASE_LOCAL


def pooler_role(user: str) -> str:
    """The role of a pooler user: `postgres.<ref>` -> `postgres` (a user without a dot as is)."""
    return user.rsplit(".", 1)[0]


def is_ip_address(host: str) -> bool:
    """An IP address (an IPv6 one with or without its `%zone`), not a name to look up."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False
