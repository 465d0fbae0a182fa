"""A CRM in an SQL database (any SQLAlchemy URL) with contacts, accounts and activities
tables; SQLAlchemy is imported only when a run reads one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..regularfile import open_regular
from .model import TABLE_COLUMNS, CRMError
from .presets import CRMMapping
from .tables import Table, cells, table_records

_SQLITE_HEADER = b"SQLite format 3\x00"


def read_database(url_text: str, mapping: CRMMapping) -> tuple[str, dict[str, list[Any]]]:
    """The URL as shown (no password) and the records of its three tables."""
    # Imported here: SQLAlchemy takes a noticeable time to import and most runs use files.
    from sqlalchemy import column, create_engine, inspect, select, table
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise CRMError(f"not a database URL ({exc})", path=url_text) from exc
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        _check_sqlite_file(Path(url.database), shown)
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError) as exc:
        raise CRMError(f"no database driver for '{url.drivername}' is installed ({exc}); "
                       "for PostgreSQL: pip install 'psycopg[binary]'", path=shown) from exc
    records: dict[str, list[Any]] = {}
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            present = set(inspector.get_table_names())
            for name in TABLE_COLUMNS:
                if name not in present:
                    if name == "contacts":
                        raise CRMError("the database has no 'contacts' table", path=shown)
                    records[name] = []
                    continue
                header = [info["name"] for info in inspector.get_columns(name)]
                # Untyped columns: values arrive as the driver gives them, so a malformed date
                # is reported with its row instead of failing inside SQLAlchemy.
                query = select(table(name, *(column(title) for title in header)))
                result = connection.execution_options(yield_per=10_000).execute(query)
                rows = ((number, cells(values, header, shown, number, name))
                        for number, values in enumerate(result, 1))
                records[name] = table_records(name, Table(shown, name, header, rows),
                                         mapping.table(name))
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise CRMError(f"cannot read the database: {reason}", path=shown) from exc
    finally:
        engine.dispose()
    return shown, records


def _check_sqlite_file(path: Path, shown: str) -> None:
    # SQLite would silently create a missing file and fail late on a non-database one.
    try:
        with open_regular(path) as handle:  # a pipe or a device would hang SQLite
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError as exc:
        raise CRMError("no such database file", path=shown) from exc
    except OSError as exc:
        raise CRMError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    if header != _SQLITE_HEADER:
        raise CRMError("not an SQLite database (the file lacks the SQLite header)", path=shown)
