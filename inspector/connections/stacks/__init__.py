"""The other stacks: node-postgres, postgres.js, Drizzle, Prisma, psycopg 3, Go pgx, JDBC and
.NET Npgsql (issue 12 §2). Each module reads the string the way its driver does, says its
findings in that driver's terms and writes the string or code that works for it:

  node.py      node-postgres, postgres.js and Drizzle over either (drivers.md §3, §4, §6)
  prisma.py    Prisma 6 (its Rust engine reads the URL) and Prisma 7 (adapter-pg)     (§5)
  psycopg3.py  psycopg 3 (libpq, plus its own prepare_threshold)                      (§2)
  pgx.py       Go jackc/pgx v5                                                        (§10)
  jdbc.py      pgjdbc, its `jdbc:postgresql://` URL                                   (§11)
  npgsql.py    Npgsql, its `Host=...;Username=...;` connection string                 (§12)
  registry.py  the dispatch: which stack, foreign forms, findings, suggestions, the guess
  base.py      Reading (for findings) and Target (for suggestions)
  names.py     the driver names (no imports)     codes.py  their finding codes

No I/O and no Flask here.
"""

from __future__ import annotations

from inspector.connections.stacks.names import LABELS, STACK_DRIVERS

__all__ = ["LABELS", "STACK_DRIVERS"]
