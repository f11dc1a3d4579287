"""The offline preview command: tree, JSON and Markdown for every stack; config errors without tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.preview.runner import ROOT
from tests.conftest import STACKS


def preview(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra", "preview", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def previews() -> dict[str, dict]:
    """The JSON preview of every stack, run once through the real command line."""
    out = {}
    for stack in STACKS:
        done = preview("--stack", stack, "--json")
        assert done.returncode == 0, done.stderr
        out[stack] = json.loads(done.stdout)
    return out


def test_json_has_the_documented_shape(previews):
    for stack, document in previews.items():
        assert set(document) >= {"stack", "resources", "summary"}
        assert document["stack"] == stack
        for resource in document["resources"]:
            assert set(resource) == {"urn", "type", "name", "parent", "inputs", "protect"}
        assert document["summary"]["create"] == len(document["resources"])


def test_every_resource_hangs_under_the_stack_or_a_component(previews):
    for document in previews.values():
        urns = {r["urn"] for r in document["resources"]}
        for resource in document["resources"]:
            assert (
                resource["parent"] is None
                or resource["parent"] in urns
                or resource["parent"].endswith("pulumi:pulumi:Stack::platform-" + document["stack"])
            )


def test_prod_is_bigger_than_staging_which_is_bigger_than_dev(previews):
    counts = {s: previews[s]["summary"]["create"] for s in STACKS}
    assert counts["dev"] < counts["staging"] < counts["prod"]


def test_only_staging_and_prod_protect_resources(previews):
    protected = {s: sum(r["protect"] for r in previews[s]["resources"]) for s in STACKS}
    assert protected["dev"] == 0
    assert protected["staging"] > 0
    assert protected["prod"] > 0


def test_outputs_unknown_in_a_real_preview_stay_unknown(previews):
    vpc_endpoint = next(r for r in previews["prod"]["resources"] if r["name"] == "prod-network-s3")
    assert vpc_endpoint["inputs"]["vpcId"] == "[unknown]"


def test_generated_secrets_have_no_value_in_the_preview_only_a_rotation(previews):
    resources = previews["prod"]["resources"]
    assert not [r for r in resources if r["type"].endswith("secretVersion:SecretVersion")]
    rotations = [r for r in resources if r["type"].endswith("secretRotation:SecretRotation")]
    assert {r["name"] for r in rotations} == {
        "prod-secrets-jwt-signing-key",
        "prod-secrets-grafana-admin-password",
    }
    assert all(r["inputs"]["rotateImmediately"] is True for r in rotations)


def test_tree_lists_components_and_their_children_with_a_summary():
    done = preview("--stack", "staging")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("platform:network:Network" in line and "staging-network" in line for line in lines)
    assert any("aws:ec2/vpc:Vpc" in line for line in lines)
    assert any(line.strip().startswith("+") and "to create" in line for line in lines)


def test_markdown_is_a_compact_summary():
    done = preview("--stack", "dev", "--markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("### Offline preview: `dev`")
    assert "to create" in done.stdout
    visible = done.stdout.split("<details>")[0]  # the per-type table is folded away
    assert "| component | resources | protected |" in visible
    assert len(visible.splitlines()) < 40


def copy_project(tmp_path: Path, stack: str, edit: str, replacement: str) -> Path:
    """A throw-away project: this program, one stack file with a text edit."""
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert edit in text
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text.replace(edit, replacement))
    return tmp_path


def test_a_config_error_prints_the_message_and_exits_2_without_a_traceback(tmp_path):
    project = copy_project(tmp_path, "prod", "natGateways: perAz", "natGateways: single")
    done = preview("--stack", "prod", "--project-dir", str(project))
    assert done.returncode == 2
    assert "platform:network.natGateways: prod needs a NAT gateway per AZ" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_secure_value_for_a_setting_that_is_not_secret_is_refused_not_leaked(tmp_path):
    project = copy_project(
        tmp_path,
        "dev",
        "    team: product\n",
        "    team: product\n    owner:\n      secure: v1:c2VjcmV0LW93bmVy\n",
    )
    done = preview("--stack", "dev", "--json", "--project-dir", str(project))
    assert done.returncode == 2
    assert "platform:tags: is stored as a secret, but this setting is not secret" in done.stderr
    assert "c2VjcmV0LW93bmVy" not in done.stdout + done.stderr


def test_an_unknown_stack_is_a_clear_error():
    done = preview("--stack", "qa")
    assert done.returncode == 2
    assert "no stack file Pulumi.qa.yaml" in done.stderr
    assert "Traceback" not in done.stderr
