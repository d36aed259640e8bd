"""The emulator's backend: its data, the objects' constructors and lifecycles, with
no HTTP in it (no starlette, no routing, no request parsing, no response rendering).

Layers, from the bottom: :mod:`.store` (where data lives, the lock, clock, ids),
:mod:`.statuses`, :mod:`.objects` (what every resource does alike), one module per
resource (:mod:`.datasets`, :mod:`.dataset_versions`, :mod:`.inputs`, :mod:`.tasks`,
:mod:`.bulk_operations`, ...), then :mod:`.lifecycle`, :mod:`.snapshot`, :mod:`.seed`
and, on top, :mod:`.state` (``EmulatorState``). A module imports only modules below it.

Public API::

    EmulatorState          the state a server runs on (reset, seeding, admin operations)
    Store, AppData, Obj    the data every backend function works on
    ApiError               a refused request (a Clarifai status name, description, details)
"""

from __future__ import annotations

from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.state import EmulatorState
from connector.emulator.backend.store import AppData, Obj, Store

__all__ = ["ApiError", "AppData", "EmulatorState", "Obj", "Store"]
