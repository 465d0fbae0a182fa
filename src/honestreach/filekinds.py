"""Which files are outreach files, how large one may be, and which template dialect a template is written in.

A template's dialect comes from the configuration's ``templates`` globs (``{files: GLOB,
dialect: NAME}``, first match wins), else from its suffix (:data:`DIALECT_SUFFIXES`). Globs are
relative to the folder of the configuration file: ``**`` spans folders, a pattern ending in '/'
names a folder and everything below it, and a pattern without '/' matches a file name in any
folder, as in .gitignore.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePosixPath
from typing import Mapping, Sequence

# Campaign sources by suffix (each may also end in .gz): exports of a sending tool and
# mailboxes, audited row by row.
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv", ".tsv")
MBOX_SUFFIXES = (".mbox",)
CAMPAIGN_SUFFIXES = JSONL_SUFFIXES + CSV_SUFFIXES + MBOX_SUFFIXES

# The largest input file read unless the configuration's `max-file-size` says otherwise.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

DIALECTS = ("jinja2", "liquid", "outreach", "salesloft", "hubspot", "mailchimp", "sfmc")
# The suffix that makes a file a template of a dialect (what it renders to comes before it:
# "intro.html.mailchimp" renders HTML).
DIALECT_SUFFIXES: Mapping[str, str] = {
    ".j2": "jinja2", ".jinja": "jinja2", ".jinja2": "jinja2",
    ".liquid": "liquid",
    ".outreach": "outreach", ".salesloft": "salesloft", ".hubl": "hubspot",
    ".mailchimp": "mailchimp", ".sfmc": "sfmc",
}


def dialect_of_suffix(path: str) -> str | None:
    """The dialect a file's own suffix names, if any."""
    return DIALECT_SUFFIXES.get(Path(path).suffix.lower())


def dialect_for(path: str, globs: Sequence[tuple[str, str]], base: str | None) -> str | None:
    """The dialect of ``path``: the first configured glob (relative to ``base``, the folder of
    the configuration file) that matches it, else its suffix's, else None (not a template)."""
    if globs and path != "-":
        relative = _relative(path, base)
        for pattern, dialect in globs:
            if glob_matches(relative, pattern):
                return dialect
    return dialect_of_suffix(path)


def matches_any(path: str, patterns: Sequence[str], base: str | None) -> bool:
    """Whether ``path`` matches one of the globs (relative to ``base``)."""
    if not patterns or path == "-":
        return False
    relative = _relative(path, base)
    return any(glob_matches(relative, pattern) for pattern in patterns)


def glob_matches(relative: str, pattern: str) -> bool:
    """Whether a '/'-separated path relative to the configuration matches a glob: ``**``
    spans folders, a pattern ending in '/' names a folder and everything below it, and a
    pattern without '/' matches the file name in any folder (as .gitignore does)."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(relative).name, pattern)
    return _glob_regex(pattern).fullmatch(relative) is not None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def _relative(path: str, base: str | None) -> str:
    absolute = Path(path).resolve()
    if base is not None:
        try:
            return absolute.relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix().lstrip("./") if not Path(path).is_absolute() \
        else absolute.as_posix()
