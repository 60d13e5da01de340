#!/usr/bin/env bash
# Makes sure the Debian packages the test suite needs are here: a PostgreSQL server (initdb, pg_ctl),
# Chromium, redis-server (the rate-limit store the several-instances test starts on a free port),
# pgbouncer (the real transaction pooler of tests/test_pooler_real.py) and Node with npm (the real
# node-postgres and postgres.js, installed by `make test` with `npm ci` in tests/node), and a JDK
# with pgjdbc (libpostgresql-jdbc-java: the JDBC suggestions of tests/test_stacks_live.py).
# Installs them with apt-get when missing and possible (root), else says how, in one line.
set -euo pipefail

have_pg() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
have_chromium() { command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; }
have_redis() { command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ]; }
have_pgbouncer() { [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null; }
have_node() { command -v node >/dev/null; }
have_npm() { command -v npm >/dev/null; }
have_javac() { command -v javac >/dev/null; }
have_jdbc() { [ -f /usr/share/java/postgresql.jar ]; }

missing=()
have_pg || missing+=(postgresql)
have_chromium || missing+=(chromium fonts-liberation)
have_redis || missing+=(redis-server)
have_pgbouncer || missing+=(pgbouncer)
have_node || missing+=(nodejs)
have_npm || missing+=(npm)
have_javac || missing+=(default-jdk-headless)
have_jdbc || missing+=(libpostgresql-jdbc-java)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${missing[*]} from Debian packages ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "missing ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (Debian/Ubuntu) and try again" >&2
exit 1
