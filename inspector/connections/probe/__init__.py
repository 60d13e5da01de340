"""The live probe: DNS, TCP, the SSLRequest, TLS, a real login, a first query (and asyncpg).

`run.py` runs the steps in order within one deadline; `io.py` holds every socket, ssl, psycopg2
and asyncpg call; `steps.py` (DNS, TCP, SSLRequest), `tls.py` and `login.py` say what each
step's facts mean; `args.py` is what the drivers are handed, `isolation.py` what shared mode
pins, `local.py` where a local probe's settings come from; `model.py` the data they pass.
"""

from __future__ import annotations

from inspector.connections.probe.isolation import (
    SHARED_LIBPQ_DEFAULTS,
    SHARED_LIBPQ_FORCED,
    without_server_credentials,
)
from inspector.connections.probe.model import (
    ProbeInput,
    ProbeOutcome,
    ServerInfo,
    StepDict,
    TlsReport,
)
from inspector.connections.probe.run import run_probe

__all__ = [
    "SHARED_LIBPQ_DEFAULTS",
    "SHARED_LIBPQ_FORCED",
    "ProbeInput",
    "ProbeOutcome",
    "ServerInfo",
    "StepDict",
    "TlsReport",
    "run_probe",
    "without_server_credentials",
]
