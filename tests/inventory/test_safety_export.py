"""An export replaces its destination atomically and keeps its permissions.

The CLI and :func:`export` overwrite an existing file at the path (a scheduled export
refreshes its file), but only once the new one is complete. The file written under a
temporary name is created private (0600); renamed into place as is, a shared inventory
file would silently become unreadable to the other users and services reading it."""

from __future__ import annotations

import os
import stat

from connector.inventory.export import export


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_overwrite_keeps_the_mode_of_the_existing_file(client, tmp_path):
    client.post_datasets([{"id": "a"}])
    out = tmp_path / "datasets.csv"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    export(client, "datasets", out)
    assert _mode(out) == 0o644 and "old" not in out.read_text()


def test_a_new_file_gets_the_usual_mode(client, tmp_path):
    umask = os.umask(0o022)
    try:
        export(client, "datasets", tmp_path / "datasets.parquet")
    finally:
        os.umask(umask)
    assert _mode(tmp_path / "datasets.parquet") == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["datasets.parquet"]
