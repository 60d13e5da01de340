"""How far this machine's clock is from a server's, measured from what the server said its time
was: the HTTP `Date` of an answer (whole seconds) or Postgres `now()`. Pure: the I/O modules read
the clocks (`tokens/fetch.py`, `connections/probe/io.py`); this judges them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

# Below this many seconds the clocks agree: an HTTP Date is whole seconds, and the answer took a
# round trip; a few seconds never fail a token with the usual leeway either.
SIGNIFICANT = 5.0

THIS_MACHINE = "this_machine"
SERVER = "server"


@dataclass(frozen=True)
class Skew:
    """A measured skew: `seconds` is the server's clock minus this machine's (> 0: this machine
    is behind)."""

    source: str  # the host whose clock was read
    seconds: float
    via: str  # "http_date" (an answer's Date header) or "postgres_now"
    uncertainty: float = 0.0  # the measurement is good to about this many seconds

    @property
    def significant(self) -> bool:
        return abs(self.seconds) >= max(SIGNIFICANT, self.uncertainty)

    @property
    def behind(self) -> str | None:
        """Whose clock is behind: `this_machine`, `server`, or None (they agree)."""
        if not self.significant:
            return None
        return THIS_MACHINE if self.seconds > 0 else SERVER

    @property
    def amount(self) -> str:
        """The skew in words: "41 s", "120 s", "17 min", "3 h 5 min"."""
        s = round(abs(self.seconds))
        if s < 600:
            return f"{s} s"
        m = s // 60
        if m < 120:
            return f"{m} min"
        return f"{m // 60} h {m % 60} min"

    @property
    def words(self) -> str:
        """ "this machine is 41 s behind <host>", "... ahead of <host>", or that they agree."""
        if self.behind == THIS_MACHINE:
            return f"this machine is {self.amount} behind {self.source}"
        if self.behind == SERVER:
            return f"this machine is {self.amount} ahead of {self.source}"
        return f"this machine's clock agrees with {self.source}'s (within {SIGNIFICANT:g} s)"

    @property
    def how(self) -> str:
        """Where the server's time came from, in words."""
        return "its HTTP Date" if self.via == "http_date" else "Postgres now()"

    @property
    def leeway(self) -> int:
        """The leeway that covers this skew, with a few seconds to spare."""
        return math.ceil(abs(self.seconds)) + 5

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "seconds": round(self.seconds, 1),
            "behind": self.behind,
            "via": self.via,
            "uncertainty": round(self.uncertainty, 2),
        }


def from_http_date(
    date: str | None, local_time: float | None, host: str, rtt: float = 0.0
) -> Skew | None:
    """The skew from an answer's `Date` header and this machine's clock (epoch seconds) halfway
    between sending the request and reading the answer's headers; None without a usable Date."""
    if not date or local_time is None:
        return None
    try:
        when = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None  # RFC 9110: an HTTP date is GMT; one without a zone says nothing sure
    # The server truncated its time to the second: on average it was half a second later.
    server = when.timestamp() + 0.5
    return Skew(host, server - local_time, "http_date", 0.5 + max(0.0, rtt) / 2)


def from_server_time(
    server_time: float | None, local_time: float | None, host: str, rtt: float = 0.0
) -> Skew | None:
    """The skew from a server's own clock reading (Postgres `extract(epoch from now())`) and this
    machine's clock halfway through the query."""
    if server_time is None or local_time is None:
        return None
    try:
        seconds = float(server_time) - float(local_time)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds):
        return None
    return Skew(host, seconds, "postgres_now", max(0.0, rtt) / 2)
