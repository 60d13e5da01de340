"""A cap on live probes running at once, and a short, bounded wait for one: slow probes never
starve the site, and a probe that finds every slot taken is told `busy` at once."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from inspector import netpolicy
from inspector.errors import ProbeCapacityError

_lock = threading.Lock()
_EXTENSION = "inspector.probe_slots"

# How long a probe waits for a slot to free up, and how many may wait at once (a quarter of the
# slots): a wait holds a server thread, so it stays short and few; the rest are told `busy` at
# once and their threads go back to serving pages (issue 9: 200 probes arriving together once
# held every thread for seconds).
SLOT_WAIT = 0.25


class ProbeSlots:
    """INSPECTOR_MAX_CONCURRENT_PROBES slots, and a short, bounded queue in front of them."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.max_waiting = max(1, self.size // 4)
        self._free = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self._waiting = 0

    def acquire(self, wait: float = SLOT_WAIT) -> bool:
        """Take a slot now, or after waiting at most `wait` if few others wait; False if not."""
        if self._free.acquire(blocking=False):
            return True
        if wait <= 0:
            return False
        with self._lock:
            if self._waiting >= self.max_waiting:
                return False
            self._waiting += 1
        try:
            return self._free.acquire(timeout=wait)
        finally:
            with self._lock:
                self._waiting -= 1

    def release(self) -> None:
        self._free.release()

    @contextmanager
    def hold(self, wait: float = SLOT_WAIT) -> Iterator[bool]:
        """Hold a slot for the duration if one is had (True), else do nothing (False). Bound to
        this set of slots, so it works in threads without an app context too."""
        held = self.acquire(wait)
        try:
            yield held
        finally:
            if held:
                self.release()


def slots() -> ProbeSlots:
    """This app's slots (one set per worker process)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_EXTENSION)
    if found is None:
        with _lock:
            found = app.extensions.get(_EXTENSION)
            if found is None:
                size = int(app.config["INSPECTOR_MAX_CONCURRENT_PROBES"])
                found = app.extensions[_EXTENSION] = ProbeSlots(size)
    return found


@contextmanager
def probe_slot(wait: float = SLOT_WAIT) -> Iterator[None]:
    """Hold one probe slot for the duration; ProbeCapacityError if none is free in time."""
    with slots().hold(wait) as held:
        if not held:
            raise ProbeCapacityError()
        yield


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
