"""``python -m tools env add|remove``: edits a temporary copy of the dev stack file, keeping its form."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from settings import stackfile, stacks
from settings.config import parse
from tools import cli, envs

PLATFORM = stacks.project_dir(stacks.Project.PLATFORM)
DEV = PLATFORM / "Pulumi.dev.yaml"


@pytest.fixture
def stack(tmp_path) -> Path:
    path = tmp_path / "infra" / "Pulumi.dev.yaml"
    path.parent.mkdir()
    shutil.copy(DEV, path)
    return path


def shared(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text())["config"]["platform:atlas"]["shared"]


def test_round_trip_of_every_stack_file_is_byte_identical():
    for name in ("dev", "staging", "prod"):
        path = PLATFORM / f"Pulumi.{name}.yaml"
        assert envs.dump(envs.load(path)) == path.read_text()


def test_add_records_the_slot_and_changes_nothing_else(stack):
    before = stack.read_text().splitlines()
    allocation = envs.add(stack, "alice")
    assert (allocation.slot.cluster, allocation.slot.index, allocation.source.value) == (
        "shared-0",
        1,
        "free",
    )
    after = stack.read_text().splitlines()
    # Exactly three lines are inserted after the last environment; every other line, comments included,
    # stays as it was and where it was.
    diff = [d for d in difflib.ndiff(before, after) if d[:1] in "+-"]
    assert diff == ["+         - name: alice", "+           cluster: shared-0", "+           slot: 1"]
    assert shared(stack)["environments"][-1] == {"name": "alice", "cluster": "shared-0", "slot": 1}


def test_remove_frees_the_slot_and_a_later_add_reuses_it_first(stack):
    envs.add(stack, "alice")
    envs.add(stack, "bob")
    removal = envs.remove(stack, "alice")
    assert str(removal.slot) == "shared-0#1"
    assert shared(stack)["freedSlots"] == [{"cluster": "shared-0", "slot": 1}]
    reused = envs.add(stack, "carol")
    assert (reused.slot.index, reused.source.value) == (1, "freed")
    assert shared(stack)["freedSlots"] == []
    assert [e["name"] for e in shared(stack)["environments"]] == ["main", "bob", "carol"]


def test_spare_cluster_moves_into_service_when_every_slot_is_taken(stack):
    text = stack.read_text().replace("slotsPerCluster: 10", "slotsPerCluster: 1")
    stack.write_text(text)
    allocation = envs.add(stack, "alice")
    assert (allocation.slot.cluster, allocation.source.value) == ("spare-0", "spare")
    assert shared(stack)["clusters"] == ["shared-0", "spare-0"]
    assert shared(stack)["spares"] == []
    assert "clusters: [shared-0, spare-0]" in stack.read_text()  # flow style kept
    with pytest.raises(envs.EnvError, match="no spare cluster is left"):
        envs.add(stack, "bob")


def test_the_edited_stack_still_parses_as_configuration(stack):
    envs.add(stack, "alice")
    stack_file = stackfile.read_stack_file("dev", _with_project(stack))
    settings = parse(stack_file.config, "dev")
    assert [e.name for e in settings.config.atlas.shared.environments] == ["main", "alice"]


def _with_project(stack: Path) -> Path:
    shutil.copy(PLATFORM / "Pulumi.yaml", stack.parent / "Pulumi.yaml")
    return stack.parent


@pytest.mark.parametrize(
    ("action", "name", "message"),
    [
        ("add", "Alice", "must be lower-case letters"),
        ("add", "main", "'main' already has slot shared-0#0"),
        ("remove", "nobody", "'nobody' holds no slot (environments: main)"),
    ],
)
def test_bad_requests_are_refused_and_leave_the_file_alone(stack, action, name, message):
    before = stack.read_text()
    with pytest.raises(envs.EnvError) as raised:
        getattr(envs, action)(stack, name)
    assert message in str(raised.value)
    assert stack.read_text() == before


def test_a_stack_without_shared_slots_is_refused(tmp_path):
    path = tmp_path / "Pulumi.prod.yaml"
    shutil.copy(PLATFORM / "Pulumi.prod.yaml", path)
    with pytest.raises(envs.EnvError, match=r"no platform:atlas\.shared section"):
        envs.add(path, "alice")


def test_cli_env_add_and_remove_print_what_happened(stack, capsys):
    repository = ["--root", str(stack.parent.parent)]  # the platform's stack files are in its infra/
    assert cli.main(["env", "add", "alice", *repository]) == 0
    assert "alice: shared-0#1 (a free slot)" in capsys.readouterr().out
    assert cli.main(["env", "remove", "alice", *repository]) == 0
    assert "slot shared-0#1 queued for reuse" in capsys.readouterr().out
    assert cli.main(["env", "remove", "alice", *repository]) == cli.EXIT_CONFIG
    assert "error: environment 'alice' holds no slot" in capsys.readouterr().err
