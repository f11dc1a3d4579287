"""Review environments end to end, offline: ``python -m tools env add pr-123`` in a copy of the repository's
stack files, then the previews of the dev platform and of the services stack ``pr-123``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from components.cluster.namespaces import PRODUCT_NAMESPACE
from services import delivery
from settings import config, stacks
from settings.errors import ConfigError
from tools import cli
from tools.preview import runner

ROOT = runner.ROOT
NOW = "2026-12-06T20:00:00Z"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The stack files copied (they are edited), the programs' entry points linked (they run)."""
    for project in ("infra", "services"):
        (tmp_path / project).mkdir()
        for path in (ROOT / project).glob("Pulumi*.yaml"):
            shutil.copy(path, tmp_path / project / path.name)
        (tmp_path / project / "__main__.py").symlink_to(ROOT / project / "__main__.py")
    shutil.copy(ROOT / "stacks.yaml", tmp_path / "stacks.yaml")  # the stack registry
    return tmp_path


def env(repo: Path, *args: str) -> int:
    return cli.main(["env", *args, "--project-dir", str(repo), "--now", NOW])


def shared(repo: Path) -> dict:
    return YAML(typ="safe").load((repo / "infra" / "Pulumi.dev.yaml").read_text())["config"][
        "platform:atlas"
    ]["shared"]


def test_env_add_gives_a_review_environment_a_slot_and_its_stack_file(repo, capsys):
    assert env(repo, "add", "pr-123") == 0
    assert "pr-123: slot shared-0#1" in capsys.readouterr().out
    slots = {e["name"]: (e["cluster"], e["slot"]) for e in shared(repo)["environments"]}
    assert slots["pr-123"] not in {slot for name, slot in slots.items() if name != "pr-123"}
    document = YAML(typ="safe").load((repo / "services" / "Pulumi.pr-123.yaml").read_text())
    assert document["config"]["services:platformStack"] == "organization/platform/dev"
    assert document["config"]["services:reviewEnvironment"] == {
        "base": "dev",
        "pullRequest": 123,
        "expiresAt": "2026-12-09T20:00:00Z",  # services:review.ttlHours (72) after the deploy
    }
    assert (
        document["secretsprovider"]
        == YAML(typ="safe").load((repo / "services" / "Pulumi.dev.yaml").read_text())["secretsprovider"]
    )


def test_the_quota_refuses_one_more_and_names_the_setting(repo, capsys):
    for number in (1, 2, 3):
        assert env(repo, "add", f"pr-{number}") == 0
    before = (repo / "infra" / "Pulumi.dev.yaml").read_text()
    assert env(repo, "add", "pr-4") == 2
    assert "services:review.maxEnvironments is 3 and 3 review environment(s) exist" in capsys.readouterr().err
    assert (repo / "infra" / "Pulumi.dev.yaml").read_text() == before  # nothing written
    assert not (repo / "services" / "Pulumi.pr-4.yaml").exists()


def test_remove_returns_the_slot_to_the_fifo_queue_and_deletes_the_stack(repo, capsys):
    env(repo, "add", "pr-1")
    env(repo, "add", "pr-2")
    assert env(repo, "remove", "pr-1") == 0
    assert not (repo / "services" / "Pulumi.pr-1.yaml").exists()
    assert shared(repo)["freedSlots"] == [{"cluster": "shared-0", "slot": 1}]
    env(repo, "add", "pr-3")  # the slot freed first is reused first
    assert {e["name"]: e["slot"] for e in shared(repo)["environments"]}["pr-3"] == 1
    capsys.readouterr()


def test_expired_lists_environments_past_their_ttl_and_renew_pushes_it_back(repo, capsys):
    env(repo, "add", "pr-1")
    capsys.readouterr()
    later = ["--project-dir", str(repo), "--now", "2026-12-09T20:00:00Z"]
    assert cli.main(["env", "expired", *later]) == 0
    assert capsys.readouterr().out.split() == ["pr-1"]
    assert cli.main(["env", "renew", "pr-1", *later]) == 0
    capsys.readouterr()
    assert cli.main(["env", "expired", *later]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (None, "services/Pulumi.dev.yaml has no services:review: review environments of 'dev' are off"),
        (
            "    maxEnvironments: 0\n",
            "services:review is invalid: maxEnvironments: Input should be greater than or equal to 1",
        ),
    ],
)
def test_review_environments_need_a_valid_policy_in_the_base(repo, capsys, edit, message):
    path = repo / "services" / "Pulumi.dev.yaml"
    text = path.read_text()
    policy = text[text.index("  services:review:") :]
    path.write_text(
        text.replace(policy, "" if edit is None else policy.replace("    maxEnvironments: 3\n", edit))
    )
    assert env(repo, "add", "pr-5") == 2
    assert message in capsys.readouterr().err


def test_a_name_that_is_not_pr_number_stays_a_plain_dev_environment(repo, capsys):
    assert env(repo, "add", "alice") == 0
    assert not (repo / "services" / "Pulumi.alice.yaml").exists()
    assert env(repo, "renew", "alice") == 2
    assert "must be pr-<pull request number>" in capsys.readouterr().err


def test_review_environments_are_refused_outside_the_dev_tier():
    staging = config.platform_settings("staging")
    with pytest.raises(ConfigError) as raised:
        config.parse_services({"services:review": json.dumps({"maxEnvironments": 2})}, "staging", staging)
    assert "services:review: review environments run on the dev platform only" in str(raised.value)


def test_a_review_stack_reads_its_own_database_and_fails_clearly_without_it():
    strings = {"main": "mongodb+srv://a/env_main", "pr-123": "mongodb+srv://a/env_pr_123"}
    assert delivery._own_database("pr-123", strings) == "mongodb+srv://a/env_pr_123"
    with pytest.raises(Exception, match="env add pr-9"):
        delivery._own_database("pr-9", strings)


# --- must show: the previews register a namespace and a slot of its own -----------------------------


def _namespaces(resources) -> set[str]:
    found = set()
    for r in resources:
        metadata = r.inputs.get("metadata")
        if isinstance(metadata, dict) and metadata.get("namespace"):
            found.add(metadata["namespace"])
    return found


def test_the_pr_123_previews_register_a_namespace_and_a_slot_no_other_dev_environment_has(repo, capsys):
    assert env(repo, "add", "pr-123") == 0
    capsys.readouterr()
    platform = runner.run_project("platform", "dev", preview=True, root=repo)
    services = runner.run_project("services", "pr-123", preview=True, root=repo, platform=platform)

    # the services of pr-123: every object in namespace pr-123, every host its own, on the dev platform
    assert _namespaces(services.resources) == {"pr-123"}
    hosts = {
        rule["host"]
        for r in services.resources
        if r.type == "kubernetes:networking.k8s.io/v1:Ingress"
        for rule in r.inputs["spec"]["rules"]
    }
    assert hosts == {
        "api-pr-123.dev.slidecraft.example.com",
        "app-pr-123.dev.slidecraft.example.com",
        "rt-pr-123.dev.slidecraft.example.com",
        "mcp-pr-123.dev.slidecraft.example.com",
    }
    assert services.outputs["platform_stack"] == "organization/platform/dev"

    # the dev platform: the namespace pr-123 (its RBAC and policies), the slot's database and user
    namespaces = {
        r.inputs["metadata"]["name"] for r in platform.resources if r.type == "kubernetes:core/v1:Namespace"
    }
    assert "pr-123" in namespaces
    assert PRODUCT_NAMESPACE in namespaces
    databases = {
        r.name: r.inputs["roleName"]
        for r in platform.resources
        if r.type == "mongodbatlas:index/customDbRole:CustomDbRole"
    }
    assert databases["dev-atlas-env-pr-123-db"] == "env-pr-123"
    slots = {e["name"]: (e["cluster"], e["slot"]) for e in shared(repo)["environments"]}
    others = {slot for name, slot in slots.items() if name != "pr-123"}
    assert slots["pr-123"] == ("shared-0", 1)
    assert slots["pr-123"] not in others
    # each workload's role reaches pods in pr-123 too (one Pod Identity association per namespace)
    associations = {
        (r.inputs["namespace"], r.inputs["serviceAccount"])
        for r in platform.resources
        if r.type == "aws:eks/podIdentityAssociation:PodIdentityAssociation"
    }
    assert ("pr-123", "gateway") in associations
    assert ("product", "gateway") in associations
    # ... and its Atlas user (MONGODB-AWS as that role) holds the review database's role besides main's
    (user,) = [
        r
        for r in platform.resources
        if r.type == "mongodbatlas:index/databaseUser:DatabaseUser" and r.name.endswith("user-gateway")
    ]
    assert {role["roleName"] for role in user.inputs["roles"]} == {"env-main", "env-pr-123"}


def test_a_recorded_review_stack_is_no_environment_of_the_registry(repo, capsys):
    env(repo, "add", "pr-123")
    capsys.readouterr()
    assert "pr-123" in stacks.stack_files(stacks.Project.SERVICES, repo)
    assert stacks.stacks(stacks.Project.SERVICES, repo) == stacks.stacks(stacks.Project.SERVICES)
