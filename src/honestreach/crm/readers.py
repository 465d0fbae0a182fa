"""Read a CRM (canonical folder, JSON or YAML file, SQL database) into the indexed model.

Every source is turned into tables of text cells (tables.py), so one code path maps, validates
and converts them all; one module per format reads its tables: csvfolder.py, jsonfile.py,
yamlfile.py and database.py.
"""

from __future__ import annotations

import gc
from pathlib import Path

from .csvfolder import read_folder
from .database import read_database
from .jsonfile import json_records
from .model import CRM, CRMError
from .presets import CRMMapping, resolve_mapping
from .tables import read_documents
from .yamlfile import yaml_records


def load_crm(source: str | Path, preset: str | None = None,
             mapping: Path | None = None) -> CRM:
    """Read a CRM from a folder of CSVs, a .json/.yaml/.yml file or an SQLAlchemy URL."""
    crm_mapping = resolve_mapping(preset, mapping)
    # Millions of new records would set off the cyclic garbage collector again and again (it
    # scans every live object) although they form no cycles: that more than doubles the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(source, crm_mapping)
    finally:
        if collecting:
            gc.enable()


def _load(source: str | Path, mapping: CRMMapping) -> CRM:
    if isinstance(source, str) and "://" in source:
        shown, records = read_database(source, mapping)
    else:
        path = Path(source)
        shown = str(path)
        suffix = path.suffix.lower()
        if path.is_dir():
            records = read_folder(path, mapping)
        elif not path.exists():
            raise CRMError("no such file or folder", path=shown)
        elif suffix == ".json":
            records = read_documents(path, mapping, json_records)
        elif suffix in (".yaml", ".yml"):
            records = read_documents(path, mapping, yaml_records)
        else:
            raise CRMError("not a CRM: expected a folder of CSV files, a .json, .yaml or .yml "
                           "file, or a database URL such as sqlite:///crm.db", path=shown)
    return CRM(records["contacts"], records["accounts"], records["activities"], source=shown)
