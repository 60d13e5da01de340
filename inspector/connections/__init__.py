"""The connection inspector: a connection string -> `ConnectionReport`. No Flask here.

`inspect_connection()` parses, lints with the drivers' own parsers, then (unless `probe=False`)
diagnoses live within `timeout`: DNS, TCP, SSLRequest, TLS, a real login and a first query.
`static_report()` is the probe-free helper other inspectors use (e.g. for `DATABASE_URL`).

The package, by what each module decides:
  service.py   the service function: the order of parse, lint, probe, verdict, suggestions
  parse.py     the string as the user meant it        drivers.py  the drivers' own parsers
  lint.py      static findings (one function a rule)  hosts.py    the host's kind and project
  probe/       the live steps (probe/io.py: every socket, ssl, psycopg2 and asyncpg call)
  classify.py  a driver's error text -> a code        tlsinfo.py  certificates and trust stores
  verdict.py   the one answer                         suggest.py  the strings that work
  codes.py     the finding codes and their variants   report.py   ConnectionReport, its page view
"""

from __future__ import annotations

from inspector.connections.drivers import DRIVERS
from inspector.connections.report import ConnectionReport
from inspector.connections.service import MAX_TIMEOUT, inspect_connection, static_report

__all__ = ["DRIVERS", "MAX_TIMEOUT", "ConnectionReport", "inspect_connection", "static_report"]
