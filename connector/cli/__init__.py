"""The ``clarifai-connector`` command line (click + rich).

``main`` is the click group; ``run`` is the console script (``main``, then a quick
exit). :mod:`connector.cli.common` holds the conventions every command follows
(configuration, exit codes, ``--json``, ``--dry-run``, progress bars).
"""

from __future__ import annotations

import gc

from connector.cli.common import freeze_before_work
from connector.cli.main import main


def run() -> None:
    """The ``clarifai-connector`` console script: :func:`main` (which ends the process
    with its exit code), then a quick exit.

    Once a command has built its client, the objects its imports left are frozen
    (:func:`~connector.cli.common.freeze_before_work`), so the collections during its
    work do not walk them again and again. After the command, one collection finalizes
    whatever garbage is left (files, sockets in reference cycles), then every live
    object is frozen: the interpreter's own collections while it shuts down would
    otherwise walk the ~60,000 objects pandas, pyarrow and httpx keep from their
    imports, about a tenth of a second spent on a process that is ending (measured in
    docs/benchmarks.md).
    """
    freeze_before_work()
    try:
        main()
    finally:
        gc.collect()
        gc.freeze()


__all__ = ["main", "run"]
