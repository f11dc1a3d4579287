"""docs/RUNBOOK.md, checked offline: its commands name stacks, providers, keys, secrets and URNs that exist."""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

import pytest
from pydantic import BaseModel
from ruamel.yaml import YAML

from settings import stackfile
from settings.config import ServicesStackConfig, StackConfig, _model_in
from settings.stacks import Project, project_dir, stack_of_file, stacks
from tests.conftest import stack_run
from tests.infra.test_first_deploy import FIRST_UP_EXCLUDE, excluded
from tools.preview.runner import ROOT

RUNBOOK = ROOT / "docs" / "RUNBOOK.md"


@cache
def commands() -> list[list[str]]:
    """Every shell command of the runbook's bash blocks, tokenized (comments dropped)."""
    blocks = re.findall(r"```bash\n(.*?)```", RUNBOOK.read_text(), flags=re.S)
    found = []
    for block in blocks:
        for line in block.splitlines():
            if line.strip():
                found.append(shlex.split(line, comments=True))
    return [c for c in found if c]


def pulumi_commands() -> list[list[str]]:
    return [c for c in commands() if c[0] == "pulumi"]


def option(command: list[str], *names: str) -> str | None:
    for i, token in enumerate(command):
        if token in names and i + 1 < len(command):
            return command[i + 1]
    return None


def directory(command: list[str]) -> Path:
    """The project directory a ``pulumi`` command runs in (``--cwd``, else the repository root)."""
    return ROOT / (option(command, "--cwd", "-C") or ".")


def stacks_in(path: Path) -> set[str]:
    return {stack_of_file(p) for p in path.glob("Pulumi.*.yaml")}


def stack_of(command: list[str]) -> str | None:
    if command[1:3] == ["stack", "init"]:
        return command[3]
    return option(command, "--stack", "-s")


def test_the_runbook_is_linked_from_the_readme_and_has_commands():
    assert "docs/RUNBOOK.md" in (ROOT / "README.md").read_text()
    assert len(pulumi_commands()) > 15


def test_every_pulumi_command_names_a_stack_of_the_directory_it_runs_in():
    named = [(c, stack_of(c)) for c in pulumi_commands() if stack_of(c)]
    assert named
    for command, stack in named:
        assert stack in stacks_in(directory(command)), " ".join(command)


def test_every_stack_is_initialised_with_the_secrets_provider_of_its_stack_file():
    inits = [c for c in pulumi_commands() if c[1:3] == ["stack", "init"]]
    initialised = set()
    for command in inits:
        stack, path = command[3], directory(command)
        document = YAML(typ="safe").load((path / f"Pulumi.{stack}.yaml").read_text())
        if path == ROOT / "bootstrap":
            assert "--secrets-provider" not in command  # local, passphrase "" (no secrets)
            continue
        assert option(command, "--secrets-provider") == document["secretsprovider"], " ".join(command)
        initialised.add((path, stack))
    # Every stack of both projects gets its init.
    for project in Project:
        for stack in stacks(project):
            assert (project_dir(project), stack) in initialised, (project, stack)


def test_the_passphrase_is_unset_before_the_first_kms_stack_and_the_login_directory_exists():
    lines = [" ".join(c) for c in commands()]
    exported = next(i for i, line in enumerate(lines) if line.startswith("export PULUMI_CONFIG_PASSPHRASE"))
    unset = next(i for i, line in enumerate(lines) if line == "unset PULUMI_CONFIG_PASSPHRASE")
    first_kms_init = next(i for i, line in enumerate(lines) if "--secrets-provider awskms://" in line)
    assert exported < unset < first_kms_init
    for i, line in enumerate(lines):
        if line.startswith("pulumi login file://"):
            folder = line.removeprefix("pulumi login file://")
            assert f"mkdir -p {folder}" in lines[:i], f"{folder} must exist before the login"
        if line.startswith("pulumi login s3://"):
            assert "?region=" in line


def _path_exists(model: type[BaseModel], path: str) -> bool:
    current: type[BaseModel] | None = model
    for part in re.split(r"\.", re.sub(r"\[\d+\]", "", path)):
        if current is None:
            return False
        fields = {f.alias or n: f for n, f in current.model_fields.items()}
        if part not in fields:
            return False
        current = _model_in(fields[part].annotation)
    return True


def test_every_config_key_the_runbook_names_exists_in_the_settings():
    text = RUNBOOK.read_text()
    keys = set(re.findall(r"\b(platform|services):([a-zA-Z]+(?:\.[a-zA-Z]+(?:\[\d+\])?)*)", text))
    assert ("platform", "keys.autoscalingServiceLinkedRoleExists") in keys
    for namespace, path in sorted(keys):
        model = StackConfig if namespace == "platform" else ServicesStackConfig
        assert _path_exists(model, path), f"{namespace}:{path} is not a setting"


def test_every_platform_secret_given_a_value_is_an_external_secret_of_that_stack():
    # platform/<env>/<name>; the pull-through cache's ecr-pullthroughcache/* are the bootstrap's
    # (tests/pipeline/test_docs_agree.py checks every --secret-id against what each environment creates).
    puts = [
        c
        for c in commands()
        if c[:3] == ["aws", "secretsmanager", "put-secret-value"]
        and (option(c, "--secret-id") or "").startswith("platform/")
    ]
    assert puts
    for command in puts:
        _, stack, name = option(command, "--secret-id").split("/")  # type: ignore[union-attr]
        external = {s["name"] for s in _platform(stack)["platform:secrets"]["external"]}
        assert name in external, f"{stack}: {name} is not in platform:secrets.external ({sorted(external)})"


def _platform(stack: str) -> dict:
    return YAML(typ="safe").load((ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text())["config"]


def _urns(stack: str) -> list[str]:
    # Children of the root stack carry no parent type in a real URN (the mocks prefix pulumi:pulumi:Stack$).
    return [r.urn.replace("pulumi:pulumi:Stack$", "") for r in stack_run(stack, True).resources]


def test_every_target_urn_is_a_resource_of_that_stack():
    for command in pulumi_commands():
        targets = [command[i + 1] for i, t in enumerate(command) if t == "--target"]
        for target in targets:
            assert target in _urns(stack_of(command) or ""), target


@pytest.mark.parametrize("stack", stacks())
def test_the_first_ups_exclusion_leaves_out_exactly_what_lives_on_the_cluster(stack):
    # The first `up`, and the one after the runners' connection is available, from a shell.
    ups = [c for c in pulumi_commands() if c[1] == "up" and stack_of(c) == stack and "--exclude" in c]
    assert ups
    for up in ups:
        assert "--exclude-dependents" in up
        assert option(up, "--exclude") == FIRST_UP_EXCLUDE  # the rule docs/DELIVERY.md states and tests
    resources = stack_run(stack).resources
    out = excluded(resources, FIRST_UP_EXCLUDE)
    assert {r.urn for r in resources if r.type.startswith("kubernetes:")} <= out
    assert not any(r.type == "aws:eks/cluster:Cluster" and r.urn in out for r in resources)


def test_every_stack_file_the_runbook_relies_on_exists():
    assert (
        stackfile.read_stack_file("staging", ROOT / "bootstrap").config["bootstrap:stateBucketName"]
        in RUNBOOK.read_text()
    )
