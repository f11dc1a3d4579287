"""The offline preview command: tree, JSON and Markdown for every stack; config errors without tracebacks.

The command runs in-process (``tools.cli.main``, output through ``capsys``) on the session's shared runs
(``shared_runs``); ``test_the_command_line_prints_the_same_bytes_in_its_own_process`` shows that a real
``python -m tools preview`` process prints exactly what the in-process command prints.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import STACKS, stack_run
from tools import cli
from tools.preview import render, runner
from tools.preview.runner import ROOT


@dataclass(frozen=True)
class Done:
    """What the command returned and printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def preview(capsys, shared_runs):
    """``python -m tools preview ARGS`` in this process; runs of the repository's stacks are shared."""

    def run(*args: str) -> Done:
        code = cli.main(["preview", *args])
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return run


@pytest.fixture
def previews(preview) -> dict[str, dict]:
    """The JSON preview of every stack, through the command line."""
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


@pytest.mark.parametrize("project", ["platform", "services"])
def test_the_document_is_plain_json_data(project):
    # ``diff`` compares this tree's document, built in-process, with a revision's parsed from its JSON:
    # only JSON's own types (string keys, lists, no tuples) make the two equal.
    for stack in STACKS:
        result = stack_run(stack, preview=True, project=project)
        document = render.document(result.stack, result.resources, result.outputs)
        parsed = json.loads(render.as_json(result.stack, result.resources, result.outputs))
        assert repr(parsed) == repr(document), stack


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


def test_tree_lists_components_and_their_children_with_a_summary(preview):
    done = preview("--stack", "staging")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("platform:network:Network" in line and "staging-network" in line for line in lines)
    assert any("aws:ec2/vpc:Vpc" in line for line in lines)
    assert any(line.strip().startswith("+") and "to create" in line for line in lines)


def test_markdown_is_a_compact_summary(preview):
    done = preview("--stack", "dev", "--markdown")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("### Offline preview: `dev`")
    assert "to create" in done.stdout
    visible = done.stdout.split("<details>")[0]  # the per-type table is folded away
    assert "| component | resources | protected |" in visible
    # one row per top-level component (a few dozen), never one per resource (hundreds), and little else
    rows = [line for line in visible.splitlines() if line.startswith("| `")]
    assert 10 < len(rows) < 50
    assert len(visible.splitlines()) <= len(rows) + 8


def copy_project(tmp_path: Path, stack: str, edit: str, replacement: str) -> Path:
    """A throw-away project: this program, one stack file with a text edit."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "__main__.py").symlink_to(ROOT / "infra" / "__main__.py")
    shutil.copy(ROOT / "infra" / "Pulumi.yaml", tmp_path / "infra" / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks.yaml", tmp_path / "stacks.yaml")
    text = (ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text()
    assert edit in text
    (tmp_path / "infra" / f"Pulumi.{stack}.yaml").write_text(text.replace(edit, replacement))
    return tmp_path


def test_a_config_error_prints_the_message_and_exits_2_without_a_traceback(tmp_path, preview):
    project = copy_project(tmp_path, "prod", "natGateways: perAz", "natGateways: single")
    done = preview("--stack", "prod", "--project-dir", str(project))
    assert done.returncode == 2
    assert "platform:network.natGateways: prod needs a NAT gateway per AZ" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_secure_value_for_a_setting_that_is_not_secret_is_refused_not_leaked(tmp_path, preview):
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


def test_an_unknown_stack_is_a_clear_error(preview):
    done = preview("--stack", "qa")
    assert done.returncode == 2
    assert "no stack file Pulumi.qa.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_line_prints_the_same_bytes_in_its_own_process(preview):
    # The real command (its own interpreter, its fast exit, no shared run) against the in-process one.
    done = subprocess.run(
        [sys.executable, "-m", "tools", "preview", "--stack", "dev", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == preview("--stack", "dev", "--json").stdout


def test_two_previews_of_a_stack_are_byte_identical():
    # Two independent runs of prod (the stack with an AssetArchive: the alert forwarder's code): the tree
    # and the JSON must not differ by a byte, or a diff between two revisions shows noise.
    first, second = stack_run("prod", preview=True), runner.run_project("platform", "prod", preview=True)
    assert first is not second
    assert render.as_tree("prod", "platform", first.resources) == render.as_tree(
        "prod", "platform", second.resources
    )
    as_json = render.as_json("prod", first.resources, first.outputs)
    assert as_json == render.as_json("prod", second.resources, second.outputs)
    assert " object at 0x" not in as_json


def test_an_asset_archive_renders_as_its_files_content_hashes(previews):
    function = next(
        r
        for r in previews["prod"]["resources"]
        if r["type"] == "aws:lambda/function:Function" and r["urn"].endswith("::prod-alerts-forwarder")
    )
    source = ROOT / "components" / "observability" / "slack_forwarder.py"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    assert function["inputs"]["code"] == {"[archive]": {"slack_forwarder.py": f"[asset sha256:{digest}]"}}
