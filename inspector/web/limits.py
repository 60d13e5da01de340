"""A cap on live probes running at once, so slow probes can never starve the site."""

from __future__ import annotations

import functools
import math
import threading
from contextlib import contextmanager

from flask import current_app

from inspector import netpolicy

_lock = threading.Lock()
_EXTENSION = "inspector.probe_slots"


class ProbeCapacityError(Exception):
    """Every probe slot is busy."""


def _semaphore() -> threading.BoundedSemaphore:
    """One semaphore per app (per worker process): INSPECTOR_MAX_CONCURRENT_PROBES slots."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sem = app.extensions.get(_EXTENSION)
    if sem is None:
        with _lock:
            sem = app.extensions.get(_EXTENSION)
            if sem is None:
                size = max(1, int(app.config["INSPECTOR_MAX_CONCURRENT_PROBES"]))
                sem = app.extensions[_EXTENSION] = threading.BoundedSemaphore(size)
    return sem


@contextmanager
def probe_slot(wait: float = 2.0):
    """Hold one probe slot for the duration; ProbeCapacityError if none frees up within `wait`."""
    sem = _semaphore()
    if not sem.acquire(timeout=wait):
        raise ProbeCapacityError("too many probes are running: try again in a few seconds")
    try:
        yield
    finally:
        sem.release()


def current_policy() -> netpolicy.ProbePolicy:
    """This site's probe policy (parsed once per distinct configuration)."""
    cfg = current_app.config
    return _policy(
        str(cfg.get("INSPECTOR_MODE")),
        str(cfg.get("INSPECTOR_ALLOWED_HOSTS") or ""),
        str(cfg.get("INSPECTOR_ALLOWED_NETWORKS") or ""),
    )


@functools.lru_cache(maxsize=32)
def _policy(mode: str, hosts: str, networks: str) -> netpolicy.ProbePolicy:
    return netpolicy.from_settings(
        {
            "INSPECTOR_MODE": mode,
            "INSPECTOR_ALLOWED_HOSTS": hosts,
            "INSPECTOR_ALLOWED_NETWORKS": networks,
        }
    )


def probe_timeout(requested: float | str | None) -> float:
    """The request's timeout, bounded by the configured maximum; the default when it is
    missing or not a finite number."""
    default = float(current_app.config["INSPECTOR_PROBE_TIMEOUT"])
    ceiling = float(current_app.config["INSPECTOR_PROBE_TIMEOUT_MAX"])
    if requested is None or isinstance(requested, bool):
        return default
    try:
        value = float(requested)
    except OverflowError:
        return ceiling  # an integer too large for a float
    except (TypeError, ValueError):
        return default
    if not math.isfinite(value):
        return default if math.isnan(value) else ceiling
    return max(0.1, min(value, ceiling))
