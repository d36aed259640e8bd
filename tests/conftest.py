"""Shared fixtures: one emulator server per session on a free loopback port, reset before
every test; a client pointed at it whose every request is checked against the official
route table and request messages (the contract check of issue #2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from connector.config import ClarifaiConfig
from connector.emulator.options import VALIDATE_ENV, EmulatorOptions
from connector.emulator.testing import EmulatorServer
from tests.support.contract import FAST_RETRY, contract_hooks

# Every emulator the suite starts (this session's, the ones tests and the demo command
# start in process, and `python -m connector.emulator` subprocesses, which inherit the
# environment) checks each response against its official message; a violation answers
# 500, is listed by the admin API, and fails the `emulator` fixture / EmulatorServer exit.
os.environ.setdefault(VALIDATE_ENV, "1")


@pytest.fixture(autouse=True)
def _fresh_distinct_caches() -> None:
    """Each test starts with the inventories' per-value caches (status codes and names)
    empty, so every test that reads a code runs the function that parses it: what a test
    pins does not depend on the tests before it (and mutation testing's record of which
    tests reach which function is complete)."""
    compiled = sys.modules.get("connector.inventory.compiled")
    if compiled is not None:
        compiled.clear_distinct_caches()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    options = EmulatorOptions(
        port=0,
        seed="empty",
        seed_inputs=0,
        validate_responses=True,
        version_pending_seconds=0.02,
        version_in_progress_seconds=0.03,
        bulk_operation_seconds=0.05,
        inputs_add_job_seconds=0.05,
        hang_seconds=5.0,
    )
    with EmulatorServer(options) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session's emulator, reset to an empty app with no faults and a fresh log;
    after the test, no response may have violated its official message."""
    emulator_server.admin.reset(seed="empty")
    yield emulator_server
    violations = emulator_server.admin.violations()
    assert not violations, f"emulator produced responses that break the official contract: {violations}"


@pytest.fixture
def client_config(emulator: EmulatorServer) -> ClarifaiConfig:
    return emulator.client_config(retry=FAST_RETRY, rate_limit=0)


@pytest.fixture
def client(client_config: ClarifaiConfig):
    from connector.client import ClarifaiClient

    with ClarifaiClient(client_config, event_hooks=contract_hooks()) as c:
        yield c
