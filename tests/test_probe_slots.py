"""Probe slots: a probe that finds them all taken waits briefly, and only a few wait at once;
the rest are told busy at once, so waiting never holds the server's threads (issue 9 §4)."""

from __future__ import annotations

import threading
import time

import pytest

from inspector.web.limits import SLOT_WAIT, ProbeCapacityError, ProbeSlots, probe_slot


def test_a_free_slot_is_taken_at_once():
    slots = ProbeSlots(2)
    assert slots.acquire() and slots.acquire()
    slots.release()
    assert slots.acquire(wait=0)


def test_a_full_house_waits_at_most_the_slot_wait():
    slots = ProbeSlots(1)
    assert slots.acquire()
    start = time.monotonic()
    assert not slots.acquire()
    assert SLOT_WAIT - 0.05 <= time.monotonic() - start < SLOT_WAIT + 0.25


def test_a_slot_freed_during_the_wait_goes_to_the_waiter():
    slots = ProbeSlots(1)
    assert slots.acquire()
    threading.Timer(0.05, slots.release).start()
    assert slots.acquire(wait=2.0)


def test_only_a_quarter_of_the_slots_may_wait_the_rest_are_refused_at_once():
    slots = ProbeSlots(8)
    for _ in range(8):
        assert slots.acquire()
    assert slots.max_waiting == 2
    waiting = [threading.Thread(target=slots.acquire, args=(1.0,)) for _ in range(2)]
    for t in waiting:
        t.start()
    time.sleep(0.1)  # both are waiting now
    start = time.monotonic()
    assert not slots.acquire(wait=1.0)
    assert time.monotonic() - start < 0.05
    for t in waiting:
        t.join()


def test_probe_slot_raises_busy_quickly(make_app):
    app = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=1)
    with app.app_context(), probe_slot():
        start = time.monotonic()
        with pytest.raises(ProbeCapacityError), probe_slot():
            pass
        assert time.monotonic() - start < SLOT_WAIT + 0.25
    with app.app_context(), probe_slot():
        pass  # released again


def test_slots_are_per_app(make_app):
    one, two = make_app(INSPECTOR_MAX_CONCURRENT_PROBES=1), make_app()
    with one.app_context(), probe_slot(), two.app_context(), probe_slot(wait=0):
        pass
