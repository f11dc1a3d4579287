"""Faults of data sources end in a clear error (or are handled), never a crash or a wrong ARN.

Each case swaps one mock answer and runs the whole dev program as the preview does.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.core.context import DataSourceError
from infra.layers.observability import NO_LOAD_BALANCER
from settings import stacks
from tools import cli
from tools.preview import mocks, runner

ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"
IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
PARTITION = "aws:index/getPartition:getPartition"
TAGGED = "aws:resourcegroupstaggingapi/getResources:getResources"

FAULTS: list[tuple[str, str, Any, list[str]]] = [
    (
        "no zones",
        ZONES,
        {"names": [], "zoneIds": [], "id": "x"},
        ["platform:network.azCount is 2", "offers 0"],
    ),
    ("zones null", ZONES, {"names": None, "id": "x"}, ["platform:network.azCount"]),
    (
        "fewer zones than azCount",
        ZONES,
        {"names": ["ap-northeast-2a"], "id": "x"},
        ["offers 1", "ap-northeast-2a"],
    ),
    ("no account id", IDENTITY, {"accountId": None, "id": "x"}, ["account id None", "12 digits"]),
    ("empty account id", IDENTITY, {"accountId": "", "id": "x"}, ["account id ''"]),
    ("malformed account id", IDENTITY, {"accountId": "12345", "id": "x"}, ["'12345'"]),
    ("empty partition", PARTITION, {"partition": "", "id": "x"}, ["getPartition answered ''"]),
    ("unknown partition", PARTITION, {"partition": "mars", "id": "x"}, ["'mars'"]),
]


@pytest.fixture
def swap(monkeypatch):
    def swap_(token: str, answer: Any) -> None:
        monkeypatch.setitem(mocks.CALLS, token, lambda args, region: answer)

    return swap_


@pytest.mark.parametrize(("case", "token", "answer", "fragments"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_data_source_fault_is_a_clear_error(swap, case, token, answer, fragments):
    swap(token, answer)
    with pytest.raises(DataSourceError) as caught:
        runner.run_program(stacks.read("dev"), preview=False)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(("case", "token", "answer", "fragments"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_data_source_fault_stops_the_program_before_what_would_use_it(
    swap, monkeypatch, case, token, answer, fragments
):
    # The lookups are plain invokes: the program stops at the bad answer, before the resources it feeds.
    runtimes: list[mocks.MockRuntime] = []
    install = mocks.install
    monkeypatch.setattr(mocks, "install", lambda *a, **kw: runtimes.append(install(*a, **kw)) or runtimes[-1])
    swap(token, answer)
    with pytest.raises(DataSourceError):
        runner.run_program(stacks.read("dev"), preview=False)
    registered = {r.type for r in runtimes[0].monitor.recorded}
    assert "pulumi:providers:aws" in registered
    assert "aws:ec2/vpc:Vpc" not in registered
    if token != ZONES:  # the account and partition are asked right after the provider, before anything else
        assert registered <= {"pulumi:pulumi:Stack", "pulumi:providers:aws"}


@pytest.mark.parametrize(("case", "token", "answer", "fragments"), FAULTS[:4], ids=[f[0] for f in FAULTS[:4]])
def test_the_cli_exits_2_on_a_data_source_fault(swap, capsys, case, token, answer, fragments):
    swap(token, answer)
    code = cli.main(["preview", "--stack", "dev"])
    _, err = capsys.readouterr()
    assert code == cli.EXIT_CONFIG
    assert "Traceback" not in err
    assert fragments[0] in err


@pytest.mark.parametrize("answer", [{"resourceTagMappingLists": None}, {}, {"resourceTagMappingLists": []}])
def test_a_tag_lookup_answering_null_means_no_load_balancer_yet(swap, answer):
    swap(TAGGED, {"id": "x", **answer})
    result = runner.run_program(stacks.read("dev"), preview=False)
    alarms = [
        r for r in result.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm" and "-lb-" in r.name
    ]
    assert alarms
    assert all(NO_LOAD_BALANCER in json.dumps(a.inputs) for a in alarms)
