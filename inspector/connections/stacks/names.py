"""The drivers beyond the four Python ones, by name (the `driver` values of api.md). No imports:
drivers.py, lint.py and the web form read these without loading the stacks themselves."""

from __future__ import annotations

NODE_POSTGRES = "node_postgres"  # `pg` (node-postgres), pg-connection-string 2.x
POSTGRESJS = "postgresjs"  # `postgres` (porsager/postgres 3.x)
DRIZZLE_POSTGRESJS = "drizzle_postgresjs"  # drizzle-orm over postgres.js (Supabase's guide)
DRIZZLE_NODE_POSTGRES = "drizzle_node_postgres"  # drizzle-orm over node-postgres
PRISMA = "prisma"  # Prisma ORM 6 and older (the Rust query engine reads the URL)
PRISMA7 = "prisma7"  # Prisma ORM 7 (a driver adapter, @prisma/adapter-pg, reads it)
PSYCOPG3 = "psycopg3"  # psycopg 3 (libpq)
PGX = "pgx"  # Go jackc/pgx v5
JDBC = "jdbc"  # pgjdbc
NPGSQL = "npgsql"  # .NET Npgsql 8+

STACK_DRIVERS = (
    NODE_POSTGRES,
    POSTGRESJS,
    DRIZZLE_POSTGRESJS,
    DRIZZLE_NODE_POSTGRES,
    PRISMA,
    PRISMA7,
    PSYCOPG3,
    PGX,
    JDBC,
    NPGSQL,
)
# What the form, the CLI and the page call each one.
LABELS = {
    NODE_POSTGRES: "node-postgres (pg)",
    POSTGRESJS: "postgres.js",
    DRIZZLE_POSTGRESJS: "Drizzle + postgres.js",
    DRIZZLE_NODE_POSTGRES: "Drizzle + node-postgres",
    PRISMA: "Prisma 6 or older",
    PRISMA7: "Prisma 7 (adapter-pg)",
    PSYCOPG3: "psycopg 3",
    PGX: "Go pgx v5",
    JDBC: "JDBC (pgjdbc)",
    NPGSQL: ".NET Npgsql",
}
# The drivers whose reading of a URL is node-postgres's (Drizzle over pg, Prisma 7's adapter).
READS_LIKE_NODE_POSTGRES = (NODE_POSTGRES, DRIZZLE_NODE_POSTGRES, PRISMA7)
READS_LIKE_POSTGRESJS = (POSTGRESJS, DRIZZLE_POSTGRESJS)
# Stacks whose string is libpq's own: the libpq lint rules apply to them as they are.
LIBPQ_STACKS = (PSYCOPG3,)
# The page's headings of each stack's string and code (report.py's order, after the Python four).
STACK_URL_LABELS = (
    (NODE_POSTGRES, "node-postgres URL"),
    (POSTGRESJS, "postgres.js URL"),
    (DRIZZLE_POSTGRESJS, "Drizzle + postgres.js URL"),
    (DRIZZLE_NODE_POSTGRES, "Drizzle + node-postgres URL"),
    (PRISMA, "Prisma 6 .env"),
    (PRISMA7, "Prisma 7 .env"),
    (PSYCOPG3, "psycopg 3 URL"),
    (PGX, "pgx URL"),
    (JDBC, "JDBC URL"),
    (NPGSQL, "Npgsql connection string"),
)
STACK_SNIPPET_LABELS = (
    (NODE_POSTGRES, "node-postgres"),
    (POSTGRESJS, "postgres.js"),
    (DRIZZLE_POSTGRESJS, "Drizzle + postgres.js"),
    (DRIZZLE_NODE_POSTGRES, "Drizzle + node-postgres"),
    (PRISMA, "Prisma 6 schema.prisma"),
    (PRISMA7, "Prisma 7 prisma.config.ts and client"),
    (PSYCOPG3, "psycopg 3"),
    (PGX, "Go pgx"),
    (JDBC, "Java (JDBC)"),
    (NPGSQL, "C# (Npgsql)"),
)
