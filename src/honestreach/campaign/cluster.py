"""Campaign audits on a Dask cluster: the per-message checks run on Dask workers, the campaign
rules and the summary in the client, on the records streamed back in input order (audit.py).

Workers need honestreach installed (``pip install 'honestreach[dask]'``) and must reach the
CRM, the configuration file and the rules at the paths the client uses (a shared file system)
or through a database URL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..locate import find_config_file
from ..model import SendRecord, first_line
from .audit import CHUNK, _chunks, iter_records
from .columns import resolve
from .sources import ReadProgress, Row
from .tables import KeyColumns, mapped_fields
from .worker import Checker, WorkerSettings, error_record

if TYPE_CHECKING:
    from dask.bag import Bag
    from distributed import Client, Future

# How the messages of a bag are named in records and reports (``<bag>#ID``).
BAG_SOURCE = "<bag>"
CONNECT_TIMEOUT = 10.0
# Tasks queued or running per worker thread: enough to keep every thread busy while the client
# takes the results in order, few enough that memory stays flat however long the campaign.
CHUNKS_PER_THREAD = 4
PARTITIONS_PER_THREAD = 2
# Without a cluster, a bag's partitions are computed this many at a time.
LOCAL_PARTITIONS = 4
# A worker keeps the Checkers of the last audits it served (each holds a pipeline and a CRM).
KEEP_CHECKERS = 2
_INSTALL = "--dask needs the dask extra: pip install 'honestreach[dask]'"

_T = TypeVar("_T")


class ClusterError(Exception):
    """The Dask cluster cannot be used: dask is not installed or the scheduler is out of reach."""


def _distributed() -> Any:
    """The ``distributed`` package, imported here only: dask is an optional extra, and
    every audit that runs without a cluster must neither need it nor pay for its import."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(_INSTALL) from None
    return distributed


def _dask() -> Any:
    """The ``dask`` package with its bags (see ``_distributed``)."""
    try:
        import dask
        import dask.bag
    except ImportError:
        raise ClusterError(_INSTALL) from None
    return dask


def connect(scheduler: str | Client, timeout: float | None = None) -> tuple[Client, bool]:
    """A client of ``scheduler`` (an address or a Client) and whether it was opened here (then
    the caller closes it)."""
    distributed = _distributed()
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    try:
        return distributed.Client(scheduler, timeout=timeout or CONNECT_TIMEOUT,
                                  set_as_default=False), True
    except Exception as exc:  # noqa: BLE001 - whatever stops it, the user needs the reason
        reason = first_line(exc)
    # Raised outside the except block: the failed client is not kept alive by a traceback.
    raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {reason}")


def _threads(client: Client) -> int:
    return max(1, sum(client.nthreads().values()))


def _absolute(path: _T) -> _T:
    if path is None or "://" in str(path) or not Path(str(path)).exists():
        return path
    resolved = Path(str(path)).resolve()
    return str(resolved) if isinstance(path, str) else resolved  # type: ignore[return-value]


def for_workers(settings: WorkerSettings) -> WorkerSettings:
    """The settings as workers see them: the client's configuration file named explicitly and
    local paths made absolute, so that a worker loads the same configuration and CRM as the
    client whatever its working directory. ``source`` stays as given: records are named by it.
    """
    overrides = settings.overrides
    config_path = overrides.config_path or find_config_file(Path(settings.source))
    return replace(settings, overrides=replace(overrides, config_path=_absolute(config_path)),
                   crm_source=_absolute(settings.crm_source),
                   crm_mapping=_absolute(settings.crm_mapping))


# -- on the workers -------------------------------------------------------------------------
_CHECKERS: OrderedDict[WorkerSettings, Checker] = OrderedDict()
# One Checker per worker process, used by one thread at a time (nothing says a rule engine
# may be shared between threads): run workers with one thread and several processes.
_LOCK = threading.Lock()


def _checker(settings: WorkerSettings) -> Checker:
    """This process's Checker for ``settings``, built on first use, then kept (call with
    ``_LOCK`` held)."""
    checker = _CHECKERS.pop(settings, None) or Checker(settings)
    _CHECKERS[settings] = checker
    while len(_CHECKERS) > KEEP_CHECKERS:
        _CHECKERS.popitem(last=False)
    return checker


def prepare_worker(settings: WorkerSettings) -> str | None:
    """Build this worker's Checker now (configuration, rules, CRM); why it cannot be built,
    or None."""
    with _LOCK:
        try:
            _checker(settings)
        except Exception as exc:  # noqa: BLE001 - the client reports it
            return f"{type(exc).__name__}: {first_line(exc)}"
    return None


def check_on_worker(settings: WorkerSettings, rows: Sequence[Row]) -> list[SendRecord]:
    """One record per row, in order, with this worker process's Checker for ``settings``
    (built on first use, then kept). A chunk that cannot be checked at all (the CRM cannot be
    loaded, say) gives an error record per row."""
    with _LOCK:
        try:
            return _checker(settings).check_rows(rows)
        except Exception as exc:  # noqa: BLE001 - the rows are reported, the audit goes on
            return [error_record(settings.source, row, f"could not be checked: {exc!r}")
                    for row in rows]


def bag_rows(items: Iterable[Any], columns: Mapping[str, str] | None,
             offset: int = 0, progress: ReadProgress | None = None) -> list[Row]:
    """The rows of a bag's items, numbered from ``offset + 1``: numbers, default ids and
    columns (export names recognised, see columns.py) are those the items would have as the
    lines of a JSONL file. ``progress`` notes the columns, as a file's reader does."""
    columns_of = KeyColumns(columns or {}, progress if progress is not None else ReadProgress())
    rows = []
    for number, item in enumerate(items, start=offset + 1):
        if not isinstance(item, Mapping):
            rows.append(Row(number, f"line-{number}", error=f"item {number}: expected a dict, "
                                                            f"got {type(item).__name__}"))
            continue
        values = mapped_fields(item, columns_of(item))
        rows.append(Row(number, values["id"] or f"line-{number}", values))
    return rows


def _check_partition(settings: WorkerSettings, columns: Mapping[str, str] | None,
                     items: Iterable[Any], offset: int) -> list[SendRecord]:
    return check_on_worker(settings, bag_rows(items, columns, offset))


# The distinct sets of keys a partition reports for the summary's columns.
_KEY_SETS = 256


def _count(items: Iterable[Any]) -> list[tuple[int, list[tuple[str, ...]]]]:
    """A partition's number of items, and the distinct key sets of its dicts (the first few)."""
    count = 0
    keys: dict[tuple[str, ...], None] = {}
    for item in items:
        count += 1
        if isinstance(item, Mapping) and len(keys) < _KEY_SETS:
            keys.setdefault(tuple(item), None)
    return [(count, list(keys))]


# -- in the client --------------------------------------------------------------------------
def _prepare(client: Client, opened: bool, settings: WorkerSettings) -> None:
    """Set the audit up on one worker before any row is sent: the workers, not the client,
    load the CRM, so this is where an unreachable or broken CRM is found, once and clearly."""
    try:
        problem = client.submit(prepare_worker, settings, pure=False).result()
    except Exception as exc:  # noqa: BLE001 - whatever stops it, the user needs the reason
        problem = f"{type(exc).__name__}: {first_line(exc)}"
    if problem is not None:
        if opened:
            client.close()
        raise ClusterError(f"a Dask worker cannot set up the audit: {problem}")


def _lost(client: Client) -> ClusterError | None:
    """The error to raise when a task's failure means the scheduler is gone."""
    if client.status == "running":
        return None
    return ClusterError(f"lost the connection to the Dask scheduler at "
                        f"{client.scheduler.address}")


def iter_records_dask(settings: WorkerSettings, rows: Iterable[Row], scheduler: str | Client,
                      chunk_size: int = CHUNK, connect_timeout: float | None = None,
                      ) -> Iterator[SendRecord]:
    """One record per row, in input order, the rows checked on the Dask cluster at
    ``scheduler`` (an address such as ``tcp://scheduler:8786``, or a ``distributed.Client``,
    left open). Connects at once, so an unreachable scheduler raises ClusterError here.

    The rows are read in the client and sent in chunks of ``chunk_size``, a few chunks per
    worker thread at a time, so memory stays flat however long the campaign. Each worker
    process builds one Checker for ``settings`` and reuses it: it loads the CRM itself from
    ``settings.crm_source``, which must therefore be a path the workers can read (the same
    path as in the client, relative paths are made absolute) or a database URL they can
    reach. One worker sets the audit up before any row is sent: a worker that cannot (no CRM
    there, say) raises ClusterError. A chunk whose task fails gives an error record per row;
    losing the scheduler raises ClusterError.
    """
    client, opened = connect(scheduler, connect_timeout)
    settings = for_workers(settings)
    _prepare(client, opened, settings)
    return _stream_chunks(client, opened, settings, rows, chunk_size)


def _stream_chunks(client: Client, opened: bool, settings: WorkerSettings, rows: Iterable[Row],
                   chunk_size: int) -> Iterator[SendRecord]:
    pending: deque[tuple[list[Row], Future]] = deque()
    try:
        limit = CHUNKS_PER_THREAD * _threads(client)
        for chunk in _chunks(rows, chunk_size):
            pending.append((chunk, client.submit(check_on_worker, settings, chunk, pure=False)))
            if len(pending) >= limit:
                yield from _chunk_records(client, settings, *pending.popleft())
        while pending:
            yield from _chunk_records(client, settings, *pending.popleft())
    finally:
        _release(client, opened, [future for _, future in pending])


def _chunk_records(client: Client, settings: WorkerSettings, chunk: list[Row],
                   future: Future) -> list[SendRecord]:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a task that fails (its worker died, say)
        lost = _lost(client)
        if lost is not None:
            raise lost from None
        return [error_record(settings.source, row,
                             f"could not be checked on the Dask cluster: {first_line(exc)}")
                for row in chunk]


def _release(client: Client, opened: bool, futures: list[Future]) -> None:
    """Stop the work nobody will collect (the audit was abandoned), close our own client."""
    if opened:
        client.close()
    elif futures and client.status == "running":
        with suppress(Exception):
            client.cancel(futures)


def iter_bag_records(settings: WorkerSettings, bag: Bag, columns: Mapping[str, str] | None = None,
                     scheduler: str | Client | None = None, jobs: int | None = None,
                     connect_timeout: float | None = None,
                     progress: ReadProgress | None = None) -> Iterator[SendRecord]:
    """One record per item of ``bag`` (send dicts: id, to, from, subject, body, sent_at,
    variant, or the columns ``columns`` maps them to), in order, numbered and named as the
    lines of a JSONL file would be.

    On a Dask cluster (``scheduler``, else the active ``distributed`` client, if any), each
    partition is checked where it is computed, a few partitions per worker thread at a time,
    and the records come back in order. The bag is computed twice: once to count each
    partition's items (row numbers run over the whole bag), once to check them; ``persist()`` a
    bag that is costly to compute. As for ``iter_records_dask``, the CRM must be reachable from
    the workers. Without a cluster, the partitions are computed a few at a time and the
    messages checked here in ``jobs`` worker processes, as for a file. ``progress.rows``, when
    given, counts the bag's items (as the reader of a file counts its rows).
    """
    if not isinstance(bag, _dask().bag.Bag):
        raise TypeError(f"expected a path or a dask.bag.Bag, not {type(bag).__name__}")
    client: Client | None
    if scheduler is not None:
        client, opened = connect(scheduler, connect_timeout)
    else:
        client, opened = active_client(), False
    progress = progress if progress is not None else ReadProgress()
    if client is None:
        return iter_records(settings, _local_rows(bag, columns, progress), jobs)
    settings = for_workers(settings)
    _prepare(client, opened, settings)
    return _stream_partitions(client, opened, settings, bag, columns, progress)


def active_client() -> Client | None:
    """The ``distributed`` client in use in this process, if any."""
    try:
        distributed = _distributed()
    except ClusterError:
        return None
    try:
        return distributed.Client.current(allow_global=True)
    except ValueError:
        return None


def _local_rows(bag: Bag, columns: Mapping[str, str] | None,
                progress: ReadProgress) -> Iterator[Row]:
    dask = _dask()
    parts = bag.to_delayed()
    offset = progress.rows = 0
    for start in range(0, len(parts), LOCAL_PARTITIONS):
        for items in dask.compute(*parts[start:start + LOCAL_PARTITIONS]):
            rows = bag_rows(items, columns, offset, progress)
            offset += len(rows)
            progress.rows = offset
            yield from rows


def _stream_partitions(client: Client, opened: bool, settings: WorkerSettings, bag: Bag,
                       columns: Mapping[str, str] | None,
                       progress: ReadProgress) -> Iterator[SendRecord]:
    delayed = _dask().delayed
    pending: deque[tuple[int, int, Future]] = deque()
    try:
        counted = bag.map_partitions(_count).compute(scheduler=client)
        counts = [count for count, _ in counted]
        progress.rows = sum(counts)
        for _, key_sets in counted:
            for keys in key_sets:
                progress.saw_columns(keys, resolve(keys, columns or {}))
        limit = PARTITIONS_PER_THREAD * _threads(client)
        # A partial keeps the settings out of dask's traversal of the call's arguments.
        check = delayed(partial(_check_partition, settings, columns), pure=False)
        offset = 0
        for part, count in zip(bag.to_delayed(), counts):
            pending.append((offset, count, client.compute(check(part, offset))))
            offset += count
            if len(pending) >= limit:
                yield from _partition_records(client, settings, *pending.popleft())
        while pending:
            yield from _partition_records(client, settings, *pending.popleft())
    finally:
        _release(client, opened, [future for _, _, future in pending])


def _partition_records(client: Client, settings: WorkerSettings, offset: int, count: int,
                       future: Future) -> list[SendRecord]:
    killed_worker = _distributed().KilledWorker
    try:
        return future.result()
    except killed_worker as exc:
        # The items died with the worker: the rows are reported by number.
        return [error_record(settings.source, Row(n, f"line-{n}"),
                             f"could not be checked on the Dask cluster: {first_line(exc)}")
                for n in range(offset + 1, offset + count + 1)]
    except Exception:
        # Any other failure is the bag's own (reading its items), unless the scheduler is gone.
        lost = _lost(client)
        if lost is not None:
            raise lost from None
        raise
