"""The loader of included, imported and extended templates: only files inside the folders.

Jinja's :class:`~jinja2.FileSystemLoader` refuses ``..`` in a name but follows symbolic links,
so a link inside the template folder would let a template include any file the user can read.
Here a name is resolved (links followed) before it is read, and refused when it lands outside
the folder it was found in; only regular files of at most 10 MiB are read (a named pipe would
hang the run).
"""

from __future__ import annotations

import os
import posixpath
from typing import Any, Callable

from jinja2 import FileSystemLoader
from jinja2.exceptions import TemplateError, TemplateNotFound
from jinja2.loaders import split_template_path

from ..regularfile import read_regular_bytes, resolves_inside


# As large as a checked file may be by default (max-file-size).
MAX_INCLUDE_BYTES = 10 * 1024 * 1024


class IncludeRefused(TemplateError):
    """A template name that resolves outside its folder, or to something not a file (not a
    TemplateNotFound: "ignore missing" must not hide it)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"included template {name!r} {reason}")


class FolderLoader(FileSystemLoader):
    """A FileSystemLoader that stays inside its search folders."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            # posixpath, as Jinja does: no "drive:" or UNC segment can leave the folder
            filename = posixpath.join(folder, *pieces)
            if not os.path.lexists(filename):
                continue
            if not resolves_inside(filename, folder):
                raise IncludeRefused(template, "resolves outside the template folder (through "
                                               "a symbolic link) and is not read")
            try:
                data = read_regular_bytes(filename, MAX_INCLUDE_BYTES)
            except OSError as exc:
                raise IncludeRefused(template, f"cannot be read: {exc.strerror or exc}") \
                    from None
            try:
                contents = data.decode(self.encoding)
            except UnicodeDecodeError:
                raise IncludeRefused(template, f"is not {self.encoding} text") from None
            return contents, os.path.normpath(filename), lambda: True
        raise TemplateNotFound(template)
