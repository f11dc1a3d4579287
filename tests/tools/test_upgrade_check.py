"""``python -m tools upgrade-check``: the next minor passed on prod's stack file before the 1.35 upgrade; a removed API
and an add-on pinned below its minimum block (exit 4) naming both; bad input exits 2 without a traceback.

The command runs in-process on the session's shared runs (``shared_runs``); a stack file from another
directory (``--stack-dir``) runs the platform program for real.
"""

from __future__ import annotations

import json

import pytest

from settings.stackfile import read_stack_file
from settings.stacks import Project, project_dir
from tests.tools.eks_1_34 import old_stack_text, write_old_stack_files
from tools import cli


@pytest.fixture
def upgrade_check(capsys, shared_runs):
    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(["upgrade-check", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _kubernetes_version(stack: str) -> str:
    cluster = json.loads(read_stack_file(stack, project_dir(Project.PLATFORM)).config["platform:cluster"])
    return str(cluster["kubernetesVersion"])


def _next(version: str) -> str:
    major, minor = version.split(".")
    return f"{major}.{int(minor) + 1}"


def test_prod_to_the_next_minor_passed_on_the_tree_before_the_bump(upgrade_check, tmp_path):
    old = write_old_stack_files(tmp_path / "before", ("prod",))
    code, out, _ = upgrade_check("--stack", "prod", "--to", "1.35", "--stack-dir", str(old), "--json")
    report = json.loads(out)
    assert code == 0, [f for f in report["findings"] if f["severity"] == "blocks"]
    assert report["from"] == "1.34"
    assert report["manifests_checked"] > 50  # both projects' Kubernetes objects
    assert {f["area"] for f in report["findings"]} >= {"version", "chart", "eks-addon", "nodes"}


def test_a_removed_api_and_an_addon_below_its_minimum_block_naming_both(upgrade_check, tmp_path):
    # Given prod's stack file before the bump with the load balancer controller's chart pinned at 1.3.3
    # (Kubernetes 1.16-1.21 per its README) and a rendered manifest still on policy/v1beta1
    # PodDisruptionBudget (not served since 1.25)
    original = old_stack_text("prod")
    pinned = "loadBalancerController: {chartVersion: 1.14.0}"
    assert pinned in original
    (tmp_path / "Pulumi.prod.yaml").write_text(
        original.replace(pinned, "loadBalancerController: {chartVersion: 1.3.3}")
    )
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: legacy-pdb}\n"
        "spec: {minAvailable: 1, selector: {matchLabels: {app: legacy}}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: fine}\n"
    )
    # When the upgrade to 1.35 is checked against those files
    code, out, _ = upgrade_check(
        "--stack", "prod", "--to", "1.35", "--stack-dir", str(tmp_path), "--manifests", str(rendered)
    )
    # Then it is blocked, naming both
    assert code == 4
    blocking = [line for line in out.splitlines() if line.startswith("BLOCKS")]
    assert any("policy/v1beta1 PodDisruptionBudget legacy-pdb" in line for line in blocking), out
    assert any(
        "aws-load-balancer-controller 1.3.3" in line and "below its minimum" in line for line in blocking
    ), out
    assert len(blocking) == 2
    assert "BLOCKED" in out.splitlines()[0]


def test_this_tree_to_the_minor_after_1_35_says_what_is_not_known_yet(upgrade_check):
    # No EKS add-on build, no calendar row and no autoscaler chart of 1.36 was read: the check says so
    # rather than passing.
    assert _kubernetes_version("prod") == "1.35"
    code, out, _ = upgrade_check("--stack", "prod", "--to", "1.36")
    assert code == 4
    assert "no vpc-cni build for 1.36 is recorded" in out


@pytest.mark.parametrize(
    ("target", "says"),
    [("1.x", "--to: must be a Kubernetes minor written 1.NN"), ("1.99", "--to: EKS offers")],
)
def test_a_bad_target_exits_2_naming_the_option(upgrade_check, target, says):
    code, out, err = upgrade_check("--stack", "prod", "--to", target)
    assert code == 2
    assert says in err
    assert "Traceback" not in err + out


def test_a_missing_stack_file_in_the_stack_dir_exits_2(upgrade_check, tmp_path):
    code, _, err = upgrade_check("--stack", "prod", "--to", "1.35", "--stack-dir", str(tmp_path))
    assert code == 2
    assert "--stack-dir: no stack file" in err


def test_unreadable_manifests_exit_2(upgrade_check, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed\n")
    code, _, err = upgrade_check("--stack", "prod", "--to", "1.35", "--manifests", str(bad))
    assert code == 2
    assert "--manifests: cannot read" in err


def test_two_minors_at_once_block(upgrade_check):
    current = _kubernetes_version("prod")
    code, out, _ = upgrade_check("--stack", "prod", "--to", _next(_next(current)))
    assert code == 4
    assert f"one minor at a time: go to {_next(current)} first" in out
