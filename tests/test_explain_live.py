"""Issue 12 §4: every error the live tests produce for real (psycopg2, psycopg 3, asyncpg,
node-postgres, postgres.js, PgBouncer) is fed back to the explainer, which must name it right.

The texts are not typed in: tests/fixtures/real_errors.py runs each scenario against the test
clusters, a real PgBouncer and the pinned Node drivers, and keeps what the driver printed. For
Node both pastes count: `String(err)` (one line, what apps log) and the whole print of an
uncaught error (stack, then `{ code: ... }`).
"""

from __future__ import annotations

import pytest

from inspector.explain import explain
from tests.fixtures import real_errors as live
from tests.fixtures.real_errors import EXPECTED_CODES

real_errors = live.real_errors  # the fixture (tests/conftest.py does not load real_errors.py)
pytestmark = pytest.mark.postgres


def _cases():
    for scenario, code in EXPECTED_CODES.items():
        if code is None:
            continue
        forms = ["text", "inspected"] if scenario.startswith(("node_", "postgresjs_")) else ["text"]
        for form in forms:
            yield pytest.param(scenario, form, id=f"{scenario}-{form}")


def test_every_scenario_has_an_expectation():
    assert set(EXPECTED_CODES) == set(live.SCENARIOS)


@pytest.mark.parametrize(("scenario", "form"), list(_cases()))
def test_the_explainer_names_the_live_error(real_errors, scenario, form):
    got = real_errors.capture(scenario)
    text = got.text if form == "text" else got.extra["inspected"]
    report = explain(text)
    assert report.matches, f"no match for {text!r}"
    assert report.matches[0].code == EXPECTED_CODES[scenario], text
