"""The package a missing filesystem needs, as the refusal of the destination names it:
the top-level package of the filesystem's class, or, for one of fsspec's own
filesystems, what fsspec says it lacks (installing fsspec again would not help)."""

from __future__ import annotations

import importlib.util

import pytest

from connector.errors import ConfigurationError
from connector.inventory.export import check_destination


def test_a_filesystem_class_deep_in_its_package_names_the_top_level_package() -> None:
    # fsspec knows webdav:// as webdav4.fsspec.WebdavFileSystem: the install is webdav4
    if importlib.util.find_spec("webdav4") is not None:
        pytest.skip("webdav4 is installed here")
    with pytest.raises(ConfigurationError) as info:
        check_destination("webdav://host/inventory.csv")
    assert str(info.value) == (
        "path_or_uri: writing to webdav:// needs webdav4, which is not installed: pip install webdav4"
    )


def test_one_of_fsspecs_own_filesystems_names_what_fsspec_says_it_lacks() -> None:
    if importlib.util.find_spec("paramiko") is not None:
        pytest.skip("paramiko is installed here")
    with pytest.raises(ConfigurationError) as info:
        check_destination("sftp://host/inventory.csv", "uri")
    assert info.value.argument == "uri"
    assert str(info.value) == (
        'uri: writing to sftp:// needs a package that is not installed (SFTPFileSystem requires "paramiko" to be '
        "installed)"
    )
