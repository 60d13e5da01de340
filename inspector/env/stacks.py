"""The pairs of database URLs a `.env` holds for one app: the pooled one the app queries
(Prisma's `url`, DATABASE_URL) and the direct or session one its migrations use (`directUrl`,
DIRECT_URL). Which must be the transaction pooler, which the direct or session connection, and
that both name the same project (issue 12 §2). A DIRECT_URL beside DATABASE_URL is also the
`auto` guess that the app is Prisma's.

Facts: supabase.md §7 (transaction pooler port 6543, session 5432, user `postgres.<ref>`),
drivers.md §5 (Prisma's `?pgbouncer=true` and `directUrl`). No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inspector import supabase
from inspector.env import codes as C
from inspector.env.names import split_public_prefix
from inspector.env.values import Var
from inspector.findings import Finding, make

# The app's (pooled) URL and the migrations' (direct) URL, by name: Prisma's guide, and the
# names Vercel's Supabase integration writes.
POOLED_NAMES = ("DATABASE_URL", "POSTGRES_PRISMA_URL", "PRISMA_DATABASE_URL")
DIRECT_NAMES = (
    "DIRECT_URL",
    "DIRECT_DATABASE_URL",
    "DATABASE_URL_UNPOOLED",
    "POSTGRES_URL_NON_POOLING",
)
PRISMA = "prisma"
# Prisma's finding that a single pooled URL needs a directUrl: said for the file instead.
_DIRECT_URL_NEEDED = "prisma_direct_url_needed"


@dataclass(frozen=True)
class Pair:
    pooled: str  # the names, as the file writes them
    direct: str


def pairs_by_name(names: Sequence[str]) -> list[Pair]:
    """The (pooled, direct) pairs among these variable names (first of each kind)."""
    bare = {split_public_prefix(n)[1]: n for n in names}
    pooled = next((bare[n] for n in POOLED_NAMES if n in bare), None)
    direct = next((bare[n] for n in DIRECT_NAMES if n in bare), None)
    return [Pair(pooled, direct)] if pooled and direct else []


def hints(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """{variable name: (driver, why)}: the `auto` guess for the URLs of a pair."""
    out = {}
    for pair in pairs_by_name(names):
        why = (
            f"{pair.direct} is set beside {pair.pooled}, as Prisma's url and directUrl are "
            "(choose your driver on the connection page if it is not Prisma)."
        )
        out[pair.pooled] = out[pair.direct] = (PRISMA, why)
    return out


def _port(v: Var) -> int | None:
    if v.conn is None or not v.conn.parsed.ok or v.conn.parsed.host is None:
        return None
    return v.conn.parsed.host.effective_port


def _transaction(v: Var) -> bool:
    return v.conn is not None and supabase.is_transaction_pooler(v.conn.host_kind)


def cross_pairs(variables: Sequence[Var]) -> list[Finding]:
    """The pair's findings (for the file); a pooled URL's `directUrl needed` is dropped once a
    direct URL stands beside it."""
    by_name = {v.name: v for v in variables}
    out: list[Finding] = []
    for pair in pairs_by_name([v.name for v in variables]):
        pooled, direct = by_name[pair.pooled], by_name[pair.direct]
        if pooled.conn is None or direct.conn is None:
            continue  # one of them is no database URL: its own findings say so
        names = {"pooled": pair.pooled, "direct": pair.direct}
        p_txn, d_txn = _transaction(pooled), _transaction(direct)
        where = f"{pair.pooled} is port {_port(pooled)}, {pair.direct} port {_port(direct)}"
        if d_txn and not p_txn:
            out.append(
                make(
                    C.DATABASE_URLS_SWAPPED,
                    f"{where}: the migrations' URL is the transaction pooler and the app's is not.",
                    **names,
                )
            )
        elif d_txn:
            out.append(
                make(
                    C.DIRECT_URL_IS_TRANSACTION_POOLER,
                    f"{where}: both go through the transaction pooler, and `prisma migrate` "
                    f"uses {pair.direct}.",
                    **names,
                )
            )
        elif not p_txn and supabase.is_supabase_host(_host(pooled)):
            out.append(
                make(
                    C.POOLED_URL_NOT_POOLED,
                    f"{where}: {pair.pooled} is a {_kind(pooled)} connection, not the "
                    "transaction pooler.",
                    **names,
                )
            )
        else:
            pooled.findings[:] = [f for f in pooled.findings if f.code != _DIRECT_URL_NEEDED]
        refs = {pooled.project_ref, direct.project_ref}
        if None not in refs and len(refs) == 2:
            out.append(
                make(
                    C.DATABASE_URL_PAIR_PROJECTS,
                    f"{pair.pooled} names project {pooled.project_ref}, {pair.direct} project "
                    f"{direct.project_ref}.",
                )
            )
    return out


def _host(v: Var) -> str | None:
    h = v.conn.parsed.host if v.conn is not None else None
    return h.host if h is not None else None


def _kind(v: Var) -> str:
    from inspector.vocabulary import HostKind

    term = HostKind.of(v.conn.host_kind) if v.conn is not None else None
    return term.phrase if term is not None else "direct"
