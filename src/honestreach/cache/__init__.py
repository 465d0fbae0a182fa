"""The result cache: a second run over unchanged files neither re-checks them nor loads the
rule engine.

One entry per checked file, in ``.honestreach_cache/`` of the current directory (``--cache-dir``,
``--no-cache``). An entry's key is a SHA-256 over everything its result depends on:

* the file's bytes, its name and the kind it is read as;
* the rule set: the bytes of every rule file, built in and in the configuration's rule folders
  (read, never parsed);
* the effective configuration: the configuration file's path and bytes and the command line's
  options (a file an option names counts by its size and modification time);
* the CRM the run verifies claims against (a file or folder by size and modification time, a
  URL as written; and then today's date too, unless ``--date`` fixes it); for a template,
  today's date as well (its sample records are dated relative to it);
* honestreach itself: its version, the bytes of its code, the Python version and the names and
  versions of the installed distributions (so a new dependency invalidates every entry).

A run only knows a configuration's rule folders once it has loaded that configuration, and
loading one validates it and every rule file: so for each configuration file the cache also keeps
what it needs of it (rule folders, file size limit, CRM), written when the linter loads it. A
file whose configuration it has not seen yet is a miss. Standard input is never cached; neither
is a template that includes, imports or extends another file (its result depends on that file),
a result with an error from the checking stage (a rule's time limit, say), nor anything from a
run that met a configuration or rule error. A hit is the stored
:class:`~honestreach.model.FileResult`; its source text (for the text report's source lines) is
decoded again from the file's bytes. Entries are written to a temporary file and renamed into
place; one that cannot be read or does not have the expected shape is ignored and rebuilt.

An entry cannot lie: it carries a SHA-256 digest of its content, key included, and one that does
not verify (a flipped bit, an edit) is ignored and rebuilt. Only regular files are read from the
cache folder, never through a symbolic link, without blocking and up to a size limit: a FIFO or
a link to ``/dev/zero`` there is a miss, not a hang. Runs with ``--redact`` use no cache (the
command line turns it off), so no entry holds what a redacted run was asked to hide, and no
redacted run is served from an entry.

Entries no run has used for a week are deleted at the end of a run that wrote entries, and
the least recently used ones beyond 256 MiB; the entries the run used are always kept
(:mod:`honestreach.cache.store`).

The package: :mod:`~honestreach.cache.keys` (what a key is made of), :mod:`~.codec` (results as
JSON), :mod:`~.configs` (what is kept of a configuration), :mod:`~.store` (the folder: sealed
atomic writes, safe reads, pruning) and :mod:`~.results` (:class:`ResultCache`, which ties them
together). It imports only the standard library and the model, so that a fully cached run
imports neither the rule engine nor jsonschema nor the rule loader.
"""

from ..locate import CONFIG_NAMES, builtin_rules_dir, find_config_file
from .codec import model_matches_cache
from .configs import Settings
from .keys import TEMPLATE_SUFFIXES, code_digest
from .results import ResultCache
from .store import DEFAULT_CACHE_DIR, FORMAT, MAX_AGE_DAYS, MAX_BYTES, MAX_ENTRY_BYTES

__all__ = [
    "CONFIG_NAMES", "DEFAULT_CACHE_DIR", "FORMAT", "MAX_AGE_DAYS", "MAX_BYTES", "MAX_ENTRY_BYTES",
    "TEMPLATE_SUFFIXES", "ResultCache", "Settings", "builtin_rules_dir", "code_digest",
    "find_config_file", "model_matches_cache",
]
