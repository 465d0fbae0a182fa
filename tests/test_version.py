"""The version is written once, in honestreach/_version.py: the package and its metadata agree."""

from importlib import metadata

import honestreach
from honestreach._version import __version__


def test_the_package_and_its_metadata_give_the_one_version():
    assert honestreach.__version__ == __version__ == metadata.version("honestreach")
