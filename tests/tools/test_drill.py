"""The restore drill's stack: written from drills/Pulumi.drill.yaml with this run's sources, validated, and
previewed: its stores come from prod's backups and no resource lands in prod's account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from settings import stacks
from settings.errors import ConfigError
from tests.helpers import inputs, one
from tests.settings.test_config_errors import project, run_cli
from tools import cli, drill
from tools.preview import runner

PROD_ACCOUNT = "333333333333"
WORKFLOW = runner.ROOT / ".github" / "workflows" / "dr-drill.yml"


@pytest.fixture(scope="module")
def drill_run(tmp_path_factory: pytest.TempPathFactory) -> runner.PreviewResult:
    root = project(tmp_path_factory.mktemp("drill"))
    drill.write("drill-123", "0123456789abcdef01234567", root)
    return runner.run_project("platform", "drill", preview=True, root=root)


def test_the_template_is_not_a_stack_of_the_registry():
    # No deploy workflow, preview matrix or test of every stack ever runs the drill by itself.
    assert "drill" not in stacks.stacks(stacks.Project.PLATFORM)
    assert drill.TEMPLATE.is_file()


def test_the_drill_restores_postgres_from_the_snapshot_of_this_run(drill_run):
    primary = inputs(one(drill_run.resources, "aws:rds/instance:Instance", "drill-postgres"))
    assert primary["snapshotIdentifier"] == "drill-123"
    assert "dbName" not in primary  # the name and the master user come with the snapshot
    assert "username" not in primary
    assert primary["manageMasterUserPassword"] is True


def test_the_drill_restores_atlas_from_prods_snapshot_into_its_own_cluster(drill_run):
    job = inputs(
        one(
            drill_run.resources,
            "mongodbatlas:index/cloudBackupSnapshotRestoreJob:CloudBackupSnapshotRestoreJob",
        )
    )
    assert job["snapshotId"] == "0123456789abcdef01234567"
    assert job["clusterName"] == "platform-prod-mongo"
    assert job["deliveryTypeConfig"]["targetClusterName"] == "platform-drill-mongo"


def test_the_drill_has_no_resource_in_prods_account(drill_run):
    (provider,) = [r for r in drill_run.resources if r.type == "pulumi:providers:aws"]
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["444444444444"]
    for resource in drill_run.resources:
        assert f":{PROD_ACCOUNT}:" not in json.dumps(inputs(resource), default=str), resource.urn
    assert not [r for r in drill_run.resources if r.type.startswith("platform:data:DisasterRecovery")]


def test_the_buckets_are_seeded_from_prods_replicas(drill_run):
    seed = drill_run.outputs["restore_seed"]
    assert seed["uploads"]["from"] == f"platform-prod-uploads-dr-{PROD_ACCOUNT}"
    assert seed["uploads"]["from_region"] == "ap-northeast-1"
    assert set(seed) == {"uploads", "exports", "static"}


def test_the_workflows_targets_are_resources_of_the_drill(drill_run):
    workflow = YAML(typ="safe").load(WORKFLOW.read_text())
    (first,) = [s for s in workflow["jobs"]["drill"]["steps"] if "target" in s.get("with", {})]
    urns = {r.urn.replace("pulumi:pulumi:Stack$", "") for r in drill_run.resources}
    targets = first["with"]["target"].split()
    assert len(targets) == 2
    assert set(targets) <= urns


def test_a_bad_source_is_refused_naming_the_key(tmp_path, capsys):
    with pytest.raises(ConfigError) as raised:
        drill.render(drill.TEMPLATE, "not a snapshot!", None)
    assert any(p.startswith("platform:restore.postgres.snapshot:") for p in raised.value.problems)
    root = project(tmp_path)
    code, output = run_cli(
        capsys, "drill", "--postgres-snapshot", "x", "--atlas-snapshot", "nope", "--root", str(root)
    )
    assert code == cli.EXIT_CONFIG
    assert "platform:restore.atlas.snapshotId" in output
    assert not (Path(root) / "infra" / "Pulumi.drill.yaml").exists()
