"""``clarifai-connector datasets ...``: the app's datasets."""

from __future__ import annotations

import click

from connector.cli.common import cli_state, connection_options, emit, handle_errors, output_options
from connector.cli.listings import dataset_rows, datasets_table


@click.group()
def datasets() -> None:
    """Datasets of the app."""


@datasets.command("list")
@connection_options
@output_options
@handle_errors
def list_datasets() -> None:
    """List the app's datasets (id, description, current version, timestamps)."""
    state = cli_state()
    with state.client() as client:
        rows = dataset_rows(client)
    emit(rows, human=lambda r: datasets_table(state, r))


__all__ = ["datasets"]
