"""Fixtures of the report tests: the emulator's demo app, split like a real one."""

from __future__ import annotations

import pytest

from tests.support.report_demo import prepare

#: Inputs of the demo seed in these tests: enough for every concept, quick to list.
DEMO_INPUTS = 600


@pytest.fixture
def demo(emulator):
    """The session emulator reset to the demo seed, with ``cats-dogs`` split into
    train/test/validation targets."""
    emulator.admin.reset(seed="demo", seed_inputs=DEMO_INPUTS)
    from connector.client import ClarifaiClient

    with ClarifaiClient(emulator.client_config(rate_limit=0)) as c:
        prepare(c)
    emulator.admin.clear_requests()
    return emulator
