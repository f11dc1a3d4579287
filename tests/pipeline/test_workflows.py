"""The GitHub Actions workflows, validated by the real tools (GitHub's workflow schema, zizmor) and by
the structural rules of the pipeline: pinned actions, least privilege, OIDC only where AWS is used,
one deployment per stack at a time, prod only by approved dispatch."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
FULL_SHA = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is not installed (requirements-dev.txt pins it)"
    return found


def _load(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def _jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, job_id, job)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for job_id, job in _load(path.name)["jobs"].items()
    ]


def _steps() -> list[tuple[str, str, dict[str, Any]]]:
    return [(wf, job_id, step) for wf, job_id, job in _jobs() for step in job.get("steps", [])]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)


# --- the real tools -------------------------------------------------------------------------------


def test_workflows_match_githubs_workflow_schema():
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 3
    result = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_in_the_workflows_or_dependabot_config():
    result = _run(_tool("zizmor"), "--offline", "--no-progress", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_matches_its_schema_and_updates_the_pinned_actions():
    config = ROOT / ".github" / "dependabot.yml"
    result = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    (update,) = YAML(typ="safe").load(config.read_text())["updates"]
    assert update["package-ecosystem"] == "github-actions"


BAD_WORKFLOW = """\
name: bad
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_tools_do_fail_on_an_unsafe_workflow(tmp_path: Path):
    # Given a workflow with a dangerous trigger, an unpinned action and a template injection
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW)
    # Then zizmor reports findings (non-zero exit) ...
    zizmor = _run(_tool("zizmor"), "--offline", "--no-progress", str(bad))
    assert zizmor.returncode != 0
    assert "dangerous-triggers" in zizmor.stdout
    assert "template-injection" in zizmor.stdout
    # ... and the schema rejects a job without runs-on
    bad.write_text("name: bad\non: push\njobs:\n  build:\n    steps:\n      - run: true\n")
    schema = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(bad))
    assert schema.returncode != 0


# --- structure -------------------------------------------------------------------------------------


def test_every_action_is_pinned_to_a_full_commit_sha():
    uses = [step["uses"] for _, _, step in _steps() if "uses" in step]
    assert uses
    assert [u for u in uses if not FULL_SHA.match(u)] == []


def test_no_workflow_uses_pull_request_target():
    for path in WORKFLOWS.glob("*.yml"):
        assert "pull_request_target" not in path.read_text(), path.name


def test_every_checkout_drops_its_credentials():
    checkouts = [step for _, _, step in _steps() if step.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 4
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_workflows_grant_nothing_by_default_and_jobs_ask_for_what_they_use():
    for name in ("preview.yml", "deploy.yml", "deploy-stack.yml"):
        assert _load(name)["permissions"] == {}, name
    for wf, job_id, job in _jobs():
        assert "permissions" in job, f"{wf}:{job_id} must declare its permissions"
        assert "write-all" not in str(job["permissions"])


def test_id_token_only_where_aws_credentials_are_configured():
    for wf, job_id, job in _jobs():
        steps = job.get("steps", [])
        uses_oidc = any("configure-aws-credentials" in s.get("uses", "") for s in steps)
        calls_deploy = job.get("uses", "").endswith("deploy-stack.yml")
        wants_token = job["permissions"].get("id-token") == "write"
        assert wants_token == (uses_oidc or calls_deploy), f"{wf}:{job_id}"


def test_aws_is_reached_by_oidc_role_never_by_keys():
    for wf, _, step in _steps():
        if "configure-aws-credentials" in step.get("uses", ""):
            assert "role-to-assume" in step["with"], wf
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])


def test_pull_requests_preview_every_stack_offline_as_a_summary_and_live_with_a_comment():
    jobs = _load("preview.yml")["jobs"]
    assert "make lint typecheck test" in jobs["checks"]["steps"][-1]["run"]
    offline = jobs["offline-preview"]
    assert offline["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    assert "--markdown" in offline["steps"][-1]["run"]
    assert "GITHUB_STEP_SUMMARY" in offline["steps"][-1]["run"]
    assert "secrets" not in str(offline)  # works on forks
    live = jobs["pulumi-preview"]
    assert "head.repo.full_name == github.repository" in live["if"]
    pulumi = live["steps"][-1]
    assert pulumi["uses"].startswith("pulumi/actions@")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policy"


def test_main_deploys_dev_then_staging_and_prod_only_by_dispatch():
    workflow = _load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in workflow["on"]
    jobs = workflow["jobs"]
    assert jobs["dev"]["with"]["stack"] == "dev"
    assert jobs["dev"]["if"] == "github.event_name == 'push'"
    assert jobs["staging"]["needs"] == "dev"
    assert jobs["prod"]["with"]["stack"] == "prod"
    assert "workflow_dispatch" in jobs["prod"]["if"]
    assert "refs/heads/main" in jobs["prod"]["if"]
    assert all("inherit" not in str(job.get("secrets")) for job in jobs.values())


def test_a_stack_deploys_through_its_environment_one_at_a_time():
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    assert job["environment"]["name"] == "${{ inputs.stack }}"  # prod's reviewers approve here
    assert job["concurrency"] == {"group": "deploy-${{ inputs.stack }}", "cancel-in-progress": False}
    steps = job["steps"]
    up = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions@"))
    assert up["with"]["command"] == "up"
    smoke = next(i for i, s in enumerate(steps) if "smoke_check.py" in s.get("run", ""))
    assert smoke > steps.index(up)


@pytest.mark.parametrize("stage", ["init", "build", "deploy", "completed", "failed"])
def test_slack_is_notified_at_every_stage(stage: str):
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    (step,) = [s for s in job["steps"] if s.get("run") == f"python3 .github/scripts/notify_slack.py {stage}"]
    assert step["env"] == {"SLACK_WEBHOOK_URL": "${{ secrets.slack-webhook-url }}"}


def test_only_the_notify_steps_see_the_slack_webhook():
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    assert "SLACK_WEBHOOK_URL" not in job["env"]
    holders = [s["name"] for s in job["steps"] if "secrets." in str(s.get("env", {}))]
    assert holders == [f"notify {stage}" for stage in ("init", "build", "deploy", "completed", "failed")]


def test_completed_and_failed_notifications_run_on_the_matching_outcome():
    steps = {s.get("name"): s for s in _load("deploy-stack.yml")["jobs"]["deploy"]["steps"]}
    assert steps["notify completed"]["if"] == "success()"
    assert steps["notify failed"]["if"] == "failure()"
