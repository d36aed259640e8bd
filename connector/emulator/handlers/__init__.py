"""The emulator's request handlers, one module per resource, named after it. Each
module lists its handlers in a ``HANDLERS`` table (official method name -> handler);
this package joins them into the one table the API dispatches through.

A handler parses what it needs from the request, calls the backend for any change,
and renders the response payload (see :mod:`.common`).

Public API::

    HANDLERS      official method name -> handler (the API looks each request up here)
    Ctx, Handler  a request as handlers see it; the handler signature
"""

from __future__ import annotations

from connector.emulator.handlers.annotations import HANDLERS as ANNOTATIONS
from connector.emulator.handlers.apps import HANDLERS as APPS
from connector.emulator.handlers.bulk_operations import HANDLERS as BULK_OPERATIONS
from connector.emulator.handlers.collaborators import HANDLERS as COLLABORATORS
from connector.emulator.handlers.common import Ctx, Handler
from connector.emulator.handlers.concepts import HANDLERS as CONCEPTS
from connector.emulator.handlers.dataset_inputs import HANDLERS as DATASET_INPUTS
from connector.emulator.handlers.dataset_versions import HANDLERS as DATASET_VERSIONS
from connector.emulator.handlers.datasets import HANDLERS as DATASETS
from connector.emulator.handlers.inputs import HANDLERS as INPUTS
from connector.emulator.handlers.inputs_add_jobs import HANDLERS as INPUTS_ADD_JOBS
from connector.emulator.handlers.models import HANDLERS as MODELS
from connector.emulator.handlers.tasks import HANDLERS as TASKS
from connector.emulator.handlers.workflows import HANDLERS as WORKFLOWS

__all__ = ["HANDLERS", "Ctx", "Handler"]

# A module named ``annotations`` cannot be imported as ``from <package> import annotations``
# (the name is taken by ``from __future__ import annotations``): each table by name.
_TABLES = (
    APPS,
    DATASETS,
    DATASET_VERSIONS,
    DATASET_INPUTS,
    INPUTS,
    INPUTS_ADD_JOBS,
    ANNOTATIONS,
    CONCEPTS,
    TASKS,
    BULK_OPERATIONS,
    MODELS,
    WORKFLOWS,
    COLLABORATORS,
)

#: Official method name -> handler, for every method the emulator implements.
HANDLERS: dict[str, Handler] = {name: fn for table in _TABLES for name, fn in table.items()}
