"""Gunicorn for the team site: `make serve-shared` (gunicorn -c gunicorn.conf.py wsgi:app).

Threads, so a probe waiting on a slow host holds one thread, not a worker. Each worker runs at
most INSPECTOR_MAX_CONCURRENT_PROBES probes at once (default 16) and has more threads than that
(default 48), so probes, and requests waiting for a probe slot, never take every thread.
Settings come from the environment; every one has a safe default.
"""

import os
import sys

bind = os.environ.get("INSPECTOR_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("INSPECTOR_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("INSPECTOR_THREADS", "48"))
# A probe takes at most INSPECTOR_PROBE_TIMEOUT_MAX (30 s); leave room above it.
timeout = int(os.environ.get("INSPECTOR_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Headers are small; bodies are capped by the app (INSPECTOR_MAX_BODY).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Behind a reverse proxy that sets X-Forwarded-*: the proxy's address. The app trusts those
# headers only through INSPECTOR_PROXY_FIX (werkzeug ProxyFix), not through gunicorn.
forwarded_allow_ips = os.environ.get("INSPECTOR_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log: method, path without its query string, status, size, duration, user agent.
# Never a body, a query string, a referrer or a cookie.
accesslog = os.environ.get("INSPECTOR_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
# No runtime control socket: one less thing listening, and no clash between instances.
control_socket_disable = True
loglevel = os.environ.get("INSPECTOR_LOG_LEVEL", "info")


def on_starting(server):
    """Check the configuration once, in the master, before any worker starts: a clear message
    and a non-zero exit instead of workers failing one after another."""
    from inspector import config
    from inspector.startup import load_settings
    from inspector.web import logfilter

    load_settings()  # INSPECTOR_* and SECRET_KEY only: no PG* line of .env reaches a probe
    try:
        config.load()
    except config.ConfigError as exc:
        print(f"inspector: cannot start: {exc}", file=sys.stderr)
        sys.exit(3)
    logfilter.install()


def post_fork(server, worker):
    """Scrub gunicorn's own handlers in each worker (the app scrubs records as they are made)."""
    from inspector.web import logfilter

    logfilter.install()
