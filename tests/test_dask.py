"""Campaign audits on a Dask cluster (a real LocalCluster of two worker processes): the same
records, summary and exit code as a local audit, and failures that stay readable."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import dask.bag as db
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import honestreach
from honestreach.campaign import Row, WorkerSettings, iter_rows
from honestreach.campaign import cluster as cluster_module
from honestreach.campaign.cluster import BAG_SOURCE, ClusterError, iter_records_dask
from honestreach.cli import main
from honestreach.model import SendRecord

FIXTURES = Path(__file__).parent / "fixtures" / "campaign"
CAMPAIGN = FIXTURES / "campaign.jsonl"
CRM = str(FIXTURES / "crm")


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):  # type: ignore[no-untyped-def]
    # Not the default client: the rest of the suite must not run on the cluster by accident.
    with Client(cluster, set_as_default=False) as opened:
        yield opened


def _large_campaign(path: Path, copies: int = 43) -> Path:
    """The fixture campaign (broken lines included) over and over, each copy to other people
    (so each copy has its own duplicate send), with distinct ids: 301 rows."""
    lines = []
    for copy in range(copies):
        for line in CAMPAIGN.read_text(encoding="utf-8").splitlines():
            try:
                send = json.loads(line)
            except json.JSONDecodeError:
                lines.append(line)
                continue
            send["id"] = f"{send['id']}-{copy}"
            send["to"] = send["to"].replace("@", f"+{copy}@")
            lines.append(json.dumps(send))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _audit_cli(source: Path, output: Path, *where: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(main, ["audit", str(source), "--crm", CRM, "--cap", "2/7d",
                                       "--format", "json", "--output", str(output), *where])
    assert not result.stderr, result.stderr
    return result.exit_code, json.loads(result.stdout), output.read_text(encoding="utf-8")


@pytest.mark.parametrize("large", [False, True], ids=["fixture", "301-rows"])
def test_cli_on_dask_equals_local(cluster, tmp_path: Path, large: bool) -> None:
    source = _large_campaign(tmp_path / "campaign.jsonl") if large else CAMPAIGN
    local = _audit_cli(source, tmp_path / "local.jsonl", "--jobs", "1")
    remote = _audit_cli(source, tmp_path / "dask.jsonl", "--dask", cluster.scheduler_address)
    assert remote[:2] == local[:2]
    # Only the records that differ, not 301 equal ones around them.
    assert remote[2] == local[2], "\n".join(difflib.unified_diff(
        local[2].splitlines(), remote[2].splitlines(), "local", "dask", n=0, lineterm=""))
    code, summary, output = remote
    assert code == 2  # the broken rows
    rows = 301 if large else 7
    assert summary["rows"]["read"] == len(output.splitlines()) == rows
    assert summary["rows"]["failed"] == (129 if large else 3)
    assert {f["rule"] for f in summary["campaign_findings"]} == {
        "campaign-duplicate", "campaign-frequency"}


def test_cli_closes_the_client_it_opens(cluster, client, tmp_path: Path) -> None:
    def clients(dask_scheduler) -> int:  # type: ignore[no-untyped-def]
        return len(dask_scheduler.clients)

    before = client.run_on_scheduler(clients)
    _audit_cli(CAMPAIGN, tmp_path / "out.jsonl", "--dask", cluster.scheduler_address)
    for _ in range(50):  # the scheduler hears of the close a moment later
        if client.run_on_scheduler(clients) == before:
            break
        time.sleep(0.1)
    assert client.run_on_scheduler(clients) == before


def _rows_and_jsonl(tmp_path: Path) -> tuple[list[dict], Path]:
    """The fixture's readable sends (one without a body among them) as dicts and as a JSONL
    file of the same items in the same order."""
    source = _large_campaign(tmp_path / "large.jsonl", copies=12)
    rows = [json.loads(line) for line in source.read_text().splitlines()
            if line.startswith("{") and line.endswith("}")]
    path = tmp_path / "sends.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return rows, path


def _api_audit(source, **kwargs):  # type: ignore[no-untyped-def]
    records: list[SendRecord] = []
    result = honestreach.audit(source, crm=CRM, cap="2/7d", on_record=records.append, **kwargs)
    return result, records


def _named(records: list[SendRecord], source: str) -> list[SendRecord]:
    return [replace(r, path=r.path.replace(f"{source}#", "SOURCE#", 1)) for r in records]


@pytest.mark.parametrize("where", ["cluster", "no-cluster"])
def test_api_over_a_bag_equals_the_same_rows_as_a_file(client, tmp_path: Path,
                                                       where: str) -> None:
    rows, path = _rows_and_jsonl(tmp_path)
    expected, expected_records = _api_audit(path, jobs=1)
    bag = db.from_sequence(rows, npartitions=4)
    options = {"scheduler": client} if where == "cluster" else {"jobs": 1}
    result, records = _api_audit(bag, **options)
    assert result.summary == expected.summary
    assert result.campaign_findings == expected.campaign_findings
    assert _named(records, BAG_SOURCE) == _named(expected_records, str(path))
    assert [r.row for r in records] == list(range(1, len(rows) + 1))
    assert result.summary["rows"] == {"read": 72, "checked": 48, "failed": 24}
    assert client.status == "running"  # a client given is left open


def test_bag_items_without_ids_are_numbered_over_the_whole_bag(client) -> None:
    sends = [{"to": f"p{n}@acme.example.com", "subject": "Notes",
              "body": "Hi,\n\nThe notes are here."} for n in range(6)]
    bag = db.from_sequence([*sends[:3], ["not", "a", "send"], *sends[3:]], npartitions=3)
    records = list(cluster_module.iter_bag_records(WorkerSettings(BAG_SOURCE), bag,
                                                   scheduler=client))
    assert [r.id for r in records] == [f"line-{n}" for n in range(1, 8)]
    assert [r.checked for r in records] == [True] * 3 + [False] + [True] * 3
    assert records[3].errors == ("item 4: expected a dict, got list",)


def test_api_path_on_a_scheduler_equals_local(client) -> None:
    expected, expected_records = _api_audit(CAMPAIGN, jobs=1)
    result, records = _api_audit(CAMPAIGN, scheduler=client)
    assert (result, records) == (expected, expected_records)


def test_unreachable_scheduler_is_one_line(monkeypatch) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 0.5)
    result = CliRunner().invoke(main, ["audit", str(CAMPAIGN), "--dask", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: cannot reach the Dask scheduler at "
                                    "tcp://127.0.0.1:1: ")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        honestreach.audit(CAMPAIGN, scheduler="tcp://127.0.0.1:1")


def test_without_dask_the_error_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    result = CliRunner().invoke(main, ["audit", str(CAMPAIGN), "--dask", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert result.stderr == "error: --dask needs the dask extra: " \
                            "pip install 'honestreach[dask]'\n"


def test_a_crm_the_workers_cannot_load_stops_the_audit_before_any_row(client, cluster,
                                                                     tmp_path) -> None:
    settings = WorkerSettings(str(CAMPAIGN), crm_source=str(FIXTURES / "no-such-crm"))
    with pytest.raises(ClusterError, match="a Dask worker cannot set up the audit: CRMError"):
        iter_records_dask(settings, iter_rows(str(CAMPAIGN)), client)
    # The workers load the CRM, not the client: the command line reports what they found.
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, [
        "audit", str(CAMPAIGN), "--crm", str(FIXTURES / "no-such-crm"), "--output", str(out),
        "--dask", cluster.scheduler_address])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: a Dask worker cannot set up the audit: CRMError")
    assert not out.exists()


def test_jobs_do_not_apply_on_a_cluster(cluster) -> None:
    result = CliRunner().invoke(main, ["audit", str(CAMPAIGN), "--jobs", "2",
                                       "--dask", cluster.scheduler_address])
    assert result.exit_code == 2 and "--jobs" in result.output


class _Unloadable:
    """Pickles, but cannot be unpickled: the task carrying it fails before it starts."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return int, ("not a number",)


def test_a_failing_chunk_gives_an_error_record_per_row(client) -> None:
    rows = list(iter_rows(str(CAMPAIGN)))[:4]
    broken = [Row(5, "x1", {"to": "bo@acme.example.com", "body": _Unloadable()}),
              Row(6, "x2", {"to": "cy@acme.example.com", "body": "Hi,\n\nThe notes."})]
    settings = WorkerSettings(str(CAMPAIGN), crm_source=CRM)
    records = list(iter_records_dask(settings, [*rows[:2], *broken, *rows[2:]], client,
                                     chunk_size=2))
    assert [r.id for r in records] == ["s1", "s2", "x1", "x2", "s3", "s4"]
    assert [r.checked for r in records] == [True, True, False, False, True, True]
    assert records[2].errors[0].startswith("could not be checked on the Dask cluster: ")
    assert records[3].recipient == "cy@acme.example.com"


def test_a_worker_builds_its_checker_once() -> None:
    settings = WorkerSettings(str(CAMPAIGN))
    rows = list(iter_rows(str(CAMPAIGN)))[:2]
    first = cluster_module.check_on_worker(settings, rows)
    checker = cluster_module._CHECKERS[settings]
    assert cluster_module.check_on_worker(settings, rows) == first
    assert cluster_module._CHECKERS[settings] is checker
    cluster_module._CHECKERS.clear()


def test_importing_honestreach_stays_light() -> None:
    code = ("import sys, honestreach; "
            "assert not {'dask', 'distributed', 'honestreach.engine'} & set(sys.modules), sys.modules; "
            "assert callable(honestreach.audit)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=FIXTURES.parents[2])


def test_a_redacted_audit_on_dask_equals_local(cluster, tmp_path: Path) -> None:
    # The workers redact each record (they load the CRM); the client, which has no CRM on a
    # cluster, adds nothing that is not redacted.
    from test_audit_redact import CAMPAIGN as PRIVATE, PRIVACY, SECRETS

    shown = []
    for name, where in (("local", ["--jobs", "1"]),
                        ("dask", ["--dask", cluster.scheduler_address])):
        output = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(main, ["audit", str(PRIVACY / PRIVATE), "--crm",
                                           str(PRIVACY / "crm"), "--redact", "--format", "json",
                                           "--output", str(output), *where])
        assert result.exit_code == 2 and not result.stderr, result.output
        shown.append((result.stdout, output.read_text(encoding="utf-8")))
    local, dask = ("".join(outputs).splitlines() for outputs in shown)
    assert local == dask, "\n".join(difflib.unified_diff(local, dask, lineterm=""))
    summary, records = shown[1]
    assert SECRETS.findall(summary + records) == []
    assert len(json.loads(summary)["campaign_findings"]) == 3
