"""A cap on live probes running at once, so slow probes can never starve the site."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from flask import current_app

from inspector import netpolicy

_semaphores: dict[int, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


class ProbeCapacityError(Exception):
    """Every probe slot is busy."""


def _semaphore() -> threading.BoundedSemaphore:
    size = int(current_app.config["INSPECTOR_MAX_CONCURRENT_PROBES"])
    key = id(current_app._get_current_object())
    with _lock:
        if key not in _semaphores:
            _semaphores[key] = threading.BoundedSemaphore(size)
        return _semaphores[key]


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
    return netpolicy.from_settings(current_app.config)


def probe_timeout(requested: float | None) -> float:
    """The request's timeout, bounded by the configured maximum."""
    default = float(current_app.config["INSPECTOR_PROBE_TIMEOUT"])
    ceiling = float(current_app.config["INSPECTOR_PROBE_TIMEOUT_MAX"])
    if requested is None:
        return default
    return max(0.1, min(float(requested), ceiling))
