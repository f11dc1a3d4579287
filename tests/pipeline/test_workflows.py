"""The GitHub Actions workflows, validated by the real tools (GitHub's workflow schema, zizmor) and by
the structural rules of the pipeline: pinned actions, least privilege, OIDC only where AWS is used,
one deployment per stack at a time, prod only by approved dispatch."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from settings import stacks

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
FULL_SHA = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
WORKFLOW_FILES = (
    "build-and-sign.yml",
    "deploy-platform.yml",
    "deploy-services.yml",
    "deploy-stack.yml",
    "drift.yml",
    "dr-drill.yml",
    "pr-comment.yml",
    "preview.yml",
    "promote.yml",
    "publish-release.yml",
    "release.yml",
    "review-env.yml",
    "review.yml",
    "rollback.yml",
)
IN_VPC_RUNNER = "codebuild-platform-${{ %s }}-runner-${{ github.run_id }}-${{ github.run_attempt }}"
STAGES = ("init", "build", "deploy", "completed", "failed", "cancelled")


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
    assert len(files) == len(WORKFLOW_FILES)
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
    assert len(checkouts) == 23  # build-and-sign.yml adds one, the restore drill two
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_workflows_grant_nothing_by_default_and_jobs_ask_for_what_they_use():
    assert {p.name for p in WORKFLOWS.glob("*.yml")} == set(WORKFLOW_FILES)
    for name in WORKFLOW_FILES:
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


def test_pull_requests_preview_every_stack_of_both_projects_offline_and_live():
    jobs = _load("preview.yml")["jobs"]
    assert "make lint typecheck test" in jobs["checks"]["steps"][2]["run"]
    assert "python -m tools stacks --json" in jobs["checks"]["steps"][-1]["run"]  # the registry
    offline = jobs["offline-preview"]
    assert offline["runs-on"] == "ubuntu-24.04"  # forks: GitHub-hosted, no secrets
    assert offline["strategy"]["matrix"] == {
        "stack": "${{ fromJSON(needs.checks.outputs.stacks) }}",
        "project": ["platform", "services"],
    }
    assert offline["steps"][0]["with"]["fetch-depth"] == 0
    diff = offline["steps"][2]
    assert (
        'python -m tools diff --stack "$STACK" --project "$PROJECT" --base "$BASE_SHA" --markdown'
        in diff["run"]
    )
    assert diff["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "GITHUB_STEP_SUMMARY" in diff["run"]
    upload = offline["steps"][3]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"  # a dangerous diff (exit 4) is still posted
    assert upload["with"]["name"] == "diff-${{ matrix.project }}-${{ matrix.stack }}"
    assert "secrets" not in str(offline)  # works on forks
    live = jobs["pulumi-preview"]
    assert "head.repo.full_name == github.repository" in live["if"]
    assert live["strategy"]["matrix"]["project"] == ["platform", "services"]
    pulumi = live["steps"][-2]
    assert pulumi["uses"].startswith("pulumi/actions@")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["work-dir"] == "${{ matrix.project == 'services' && 'services' || 'infra' }}"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "${{ github.workspace }}/policy"  # test_action_paths.py
    guard = live["steps"][-1]["run"]
    assert 'pulumi preview --stack "$STACK" --cwd "$WORK_DIR" --json > preview.json' in guard
    assert guard.strip().endswith("venv/bin/python -m tools guard preview.json")


def test_every_diff_is_posted_as_a_comment_even_for_forks_without_running_their_code():
    workflow = _load("pr-comment.yml")
    assert workflow["on"] == {"workflow_run": {"workflows": ["preview"], "types": ["completed"]}}
    job = workflow["jobs"]["comment"]
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert not [s for s in job["steps"] if "checkout" in s.get("uses", "")]
    download = job["steps"][0]
    assert download["with"]["pattern"] == "diff-*"  # every stack x project the preview uploaded
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    post = job["steps"][1]["run"]
    assert "github.event.workflow_run.head_sha" in str(job["steps"][1]["env"])  # test_pr_comment.py
    assert "<!-- infra-diff:" in post


def test_every_job_that_runs_pulumi_against_a_stack_runs_on_the_in_vpc_runner():
    checked = 0
    for wf, job_id, job in _jobs():
        steps = job.get("steps", [])
        reaches_cluster = any(s.get("uses", "").startswith("pulumi/actions@") for s in steps) or any(
            "rollout.py" in s.get("run", "") or "pulumi refresh" in s.get("run", "") for s in steps
        )
        if not reaches_cluster:
            continue
        checked += 1
        runs_on = job["runs-on"]
        assert isinstance(runs_on, list), f"{wf}:{job_id}"
        if wf == "review-env.yml":  # review environments live on the dev platform only
            assert runs_on[0] == IN_VPC_RUNNER.replace("${{ %s }}", "dev"), f"{wf}:{job_id}"
        else:
            stack = "matrix.stack" if "matrix" in str(job.get("strategy")) else "inputs.stack"
            assert runs_on[0] == IN_VPC_RUNNER % stack, f"{wf}:{job_id}"
        assert len(runs_on) == 2  # a label of its own, so two jobs of one run never swap runners
    assert (
        checked == 9
    )  # deploy-stack, the live preview, promote, rollback's undo and abort, drift, review's two, the restore drill


def test_only_the_registry_and_offline_jobs_run_on_github_hosted_runners():
    hosted = {(wf, job_id) for wf, job_id, job in _jobs() if job.get("runs-on") == "ubuntu-24.04"}
    assert hosted == {
        ("pr-comment.yml", "comment"),
        ("preview.yml", "checks"),
        ("preview.yml", "offline-preview"),
        ("deploy-platform.yml", "registry"),
        ("deploy-services.yml", "registry"),
        ("drift.yml", "registry"),
        ("review.yml", "request"),  # dispatches review-env.yml: no code, no credentials
        ("review-env.yml", "plan"),  # the pull request's state, the sweep
        ("review-env.yml", "record"),  # git only: the slot and the stack file on main
        ("review-env.yml", "release"),
        ("release.yml", "record"),  # git and GitHub only: the commit of the stack file
        ("rollback.yml", "record"),
        ("publish-release.yml", "release"),  # the tag and the GitHub Release
        ("build-and-sign.yml", "build"),  # ECR's public endpoint; no cluster
        ("build-and-sign.yml", "promote"),
        ("dr-drill.yml", "share"),  # AWS and Atlas APIs only: prod's snapshot copied and shared
        ("dr-drill.yml", "cleanup"),
    }


def test_the_workflow_stack_choices_are_the_registrys_stacks():
    registry = list(stacks.stacks())
    for name in ("deploy-platform.yml", "deploy-services.yml", "promote.yml", "release.yml", "rollback.yml"):
        assert _load(name)["on"]["workflow_dispatch"]["inputs"]["stack"]["options"] == registry, name


@pytest.mark.parametrize("project", ["platform", "services"])
def test_main_deploys_the_automatic_stacks_in_order_and_prod_only_by_dispatch(project):
    workflow = _load(f"deploy-{project}.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in workflow["on"]
    jobs = workflow["jobs"]
    automatic = jobs["automatic"]
    assert automatic["strategy"] == {
        "max-parallel": 1,
        "fail-fast": True,
        "matrix": {"stack": "${{ fromJSON(needs.registry.outputs.automatic) }}"},
    }
    assert automatic["with"] == {"stack": "${{ matrix.stack }}", "project": project}
    dispatched = jobs["dispatched"]
    assert "workflow_dispatch" in dispatched["if"]
    assert "refs/heads/main" in dispatched["if"]
    assert dispatched["with"] == {"stack": "${{ inputs.stack }}", "project": project}
    assert all("inherit" not in str(job.get("secrets")) for job in jobs.values())


def test_the_registry_lists_prod_for_approval_only():
    from tools import cli

    assert stacks.tier_of("prod") is not None
    done = subprocess.run(
        [sys.executable, "-m", "tools", "stacks", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    registry = json.loads(done.stdout)
    assert registry["automatic"] == ["dev", "staging"]
    assert registry["approval"] == ["prod"]
    assert cli  # the command is the CLI's


def test_platform_and_services_deploy_independently():
    platform = _load("deploy-platform.yml")["on"]["push"]["paths"]
    services = _load("deploy-services.yml")["on"]["push"]["paths"]
    assert "services/**" in services
    assert "services/**" not in platform
    assert "services/Pulumi.*.yaml" in platform  # `uses` changes the platform's workload identities
    assert "infra/**" in platform  # the platform project: its stack files and program
    assert "settings/**" in services
    assert "infra/contract.py" in services
    assert "infra/**" not in services  # a platform-only change never deploys the services
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    # one group per project and stack: a platform `up` never queues a release, nor the reverse
    assert job["concurrency"] == {
        "group": "deploy-${{ inputs.project }}-${{ inputs.stack }}",
        "cancel-in-progress": False,
    }


def test_dev_services_deploy_on_weekdays_at_seven_kst_and_only_dev():
    workflow = _load("deploy-services.yml")
    assert workflow["on"]["schedule"] == [{"cron": "0 22 * * 0-4"}]  # 22:00 UTC Sun-Thu = 07:00 KST Mon-Fri
    step = _load("deploy-services.yml")["jobs"]["registry"]["steps"][-1]["run"]
    assert 's[:1] if os.environ["GITHUB_EVENT_NAME"] == "schedule"' in step
    assert "schedule" not in _load("deploy-platform.yml")["on"]


def test_a_stack_deploys_through_its_environment_one_at_a_time():
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    assert job["environment"]["name"] == "${{ inputs.stack }}"  # prod's reviewers approve here
    steps = job["steps"]
    up = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions@"))
    assert up["with"]["command"] == "up"
    assert up["with"]["work-dir"] == "${{ inputs.project == 'services' && 'services' || 'infra' }}"
    smoke = next(i for i, s in enumerate(steps) if "smoke_check.py" in s.get("run", ""))
    assert smoke > steps.index(up)


def _credentials(job: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))["with"]


def test_credentials_outlive_the_longest_job_and_stay_within_the_roles_maximum():
    from components.bootstrap.github_oidc import MAX_SESSION_SECONDS as maximum

    for wf, job_id, job in _jobs():
        if not any("configure-aws-credentials" in s.get("uses", "") for s in job.get("steps", [])):
            continue
        duration = int(_credentials(job)["role-duration-seconds"])
        assert job["timeout-minutes"] * 60 < duration <= maximum, f"{wf}:{job_id}"


def test_the_runner_build_outlives_the_longest_job():
    from components.ci.runners import BUILD_TIMEOUT_MINUTES

    longest = max(
        job.get("timeout-minutes", 0) for _, _, job in _jobs() if isinstance(job.get("runs-on"), list)
    )
    assert longest == 180
    assert longest < BUILD_TIMEOUT_MINUTES


def test_each_project_deploys_with_its_own_role():
    role = _credentials(_load("deploy-stack.yml")["jobs"]["deploy"])["role-to-assume"]
    assert role == (
        "${{ inputs.project == 'platform' && vars.AWS_PLATFORM_DEPLOY_ROLE_ARN || vars.AWS_SERVICES_DEPLOY_ROLE_ARN }}"
    )
    assert _credentials(_load("promote.yml")["jobs"]["promote"])["role-to-assume"] == (
        "${{ vars.AWS_SERVICES_DEPLOY_ROLE_ARN }}"
    )


@pytest.mark.parametrize("stage", STAGES)
def test_slack_is_notified_at_every_stage_and_end_state(stage: str):
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    (step,) = [s for s in job["steps"] if s.get("run") == f"python3 .github/scripts/notify_slack.py {stage}"]
    assert step["env"] == {
        "SLACK_WEBHOOK_URL": "${{ secrets.slack-webhook-url }}",
        "SLACK_BOT_TOKEN": "${{ secrets.slack-bot-token }}",  # the direct message to who ran it
    }


def test_only_the_notify_steps_see_the_slack_webhook_and_only_up_sees_the_atlas_keys():
    job = _load("deploy-stack.yml")["jobs"]["deploy"]
    assert "SLACK_WEBHOOK_URL" not in job["env"]
    holders = [
        s.get("name") or s["uses"].split("@")[0] for s in job["steps"] if "secrets." in str(s.get("env", {}))
    ]
    assert holders == [f"notify {stage}" for stage in STAGES[:3]] + ["pulumi/actions"] + [
        f"notify {stage}" for stage in STAGES[3:]
    ]
    up = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert set(up["env"]) == {"MONGODB_ATLAS_PUBLIC_KEY", "MONGODB_ATLAS_PRIVATE_KEY"}


def test_atlas_keys_reach_only_the_platform_steps_that_call_atlas():
    for name in ("deploy-platform.yml", "deploy-services.yml"):
        for job in _load(name)["jobs"].values():
            passes = "MONGODB_ATLAS" in str(job.get("secrets", ""))
            assert passes == (name == "deploy-platform.yml" and "uses" in job), name
    up = next(
        s
        for s in _load("deploy-stack.yml")["jobs"]["deploy"]["steps"]
        if s.get("uses", "").startswith("pulumi/")
    )
    assert up["env"]["MONGODB_ATLAS_PUBLIC_KEY"].startswith("${{ inputs.project == 'platform' && ")
    jobs = _load("preview.yml")["jobs"]
    assert "MONGODB_ATLAS" not in str(jobs["checks"]) + str(jobs["offline-preview"])  # forks: nothing
    holders = [s for s in jobs["pulumi-preview"]["steps"] if "MONGODB_ATLAS" in str(s.get("env", {}))]
    assert len(holders) == 2  # the live preview and the guard's preview, from <stack>-preview's read-only key
    assert all(
        h["env"]["MONGODB_ATLAS_PRIVATE_KEY"].startswith("${{ matrix.project == 'platform' && ")
        for h in holders
    )
    for name in ("promote.yml", "release.yml", "rollback.yml", "publish-release.yml"):
        assert "MONGODB_ATLAS" not in (WORKFLOWS / name).read_text(), name


def test_services_deploys_smoke_check_every_service_from_the_stack_output():
    steps = _load("deploy-stack.yml")["jobs"]["deploy"]["steps"]
    (smoke,) = [s for s in steps if "smoke_check.py" in s.get("run", "")]
    assert smoke["if"] == "inputs.project == 'services'"
    assert "pulumi stack output smoke_targets" in smoke["run"]
    assert smoke["run"].endswith("--targets -")


def test_notifications_run_on_the_matching_outcome():
    steps = {s.get("name"): s for s in _load("deploy-stack.yml")["jobs"]["deploy"]["steps"]}
    assert steps["notify completed"]["if"] == "success()"
    assert steps["notify failed"]["if"] == "failure()"  # a timeout fails the job
    assert steps["notify cancelled"]["if"] == "cancelled()"


def test_promotion_is_its_own_approved_workflow_from_main_that_waits_for_healthy():
    workflow = _load("promote.yml")
    assert set(workflow["on"]) == {"workflow_dispatch"}
    job = workflow["jobs"]["promote"]
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert job["environment"] == {"name": "${{ inputs.stack }}"}  # prod: required reviewers
    assert job["concurrency"]["group"] == "deploy-services-${{ inputs.stack }}"  # never beside a services up
    run = next(s["run"] for s in job["steps"] if "rollout.py promote" in s.get("run", ""))
    assert run.index("rollout.py promote") < run.index("rollout.py status")
    conditions = {s["name"]: s.get("if") for s in job["steps"] if s.get("name", "").startswith("notify")}
    assert conditions == {
        "notify promote": None,
        "notify promoted": "success()",
        "notify failed": "failure()",
        "notify cancelled": "cancelled()",
    }


def test_drift_checks_prod_daily_and_every_other_stack_weekly_with_the_preview_roles():
    workflow = _load("drift.yml")
    daily, weekly = (entry["cron"] for entry in workflow["on"]["schedule"])
    assert daily.split()[2:] == ["*", "*", "*"]  # every day
    assert weekly.split()[2:4] == ["*", "*"]
    assert weekly.split()[4] != "*"
    pick = workflow["jobs"]["registry"]["steps"][-1]["run"]
    # the cron strings choose the registry's lists: prod (approval) daily, the others (automatic) weekly
    assert f'"{daily}": s["approval"]' in pick
    assert f'"{weekly}": s["automatic"]' in pick
    job = workflow["jobs"]["drift"]
    assert job["strategy"]["matrix"] == {
        "stack": "${{ fromJSON(needs.registry.outputs.stacks) }}",
        "project": ["platform", "services"],
    }
    assert job["environment"] == "${{ matrix.stack }}-preview"  # the preview roles' Environment
    assert job["if"] == "github.ref == 'refs/heads/main'"  # their trust admits drift.yml from main only
    assert job["permissions"] == {"contents": "read", "id-token": "write"}  # nothing written anywhere
    assert _credentials(job)["role-to-assume"] == (
        "${{ matrix.project == 'platform' && vars.AWS_PLATFORM_PREVIEW_ROLE_ARN || vars.AWS_SERVICES_PREVIEW_ROLE_ARN }}"
    )
    install = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert (
        "command" not in install["with"]
    )  # installs the CLI only (pulumi/actions README, "Installation Only")
    run = next(s["run"] for s in job["steps"] if "pulumi refresh" in s.get("run", ""))
    assert 'pulumi refresh --preview-only --json --stack "$STACK" --cwd "$WORK_DIR" > refresh.json' in run
    assert (
        'pulumi preview --expect-no-changes --json --stack "$STACK" --cwd "$WORK_DIR" > preview.json' in run
    )
    report = job["steps"][-1]
    assert "python -m tools drift refresh.json preview.json --markdown --slack" in report["run"]
    assert report["env"]["SLACK_WEBHOOK_URL"] == "${{ secrets.slack-webhook-url }}"
    assert report["run"].strip().endswith('exit "$status"')  # drift (1) or no report (2) fails the job


def test_the_drift_workflow_is_the_one_the_preview_roles_trust_from_main():
    from components.bootstrap.spec import DEFAULT_DRIFT_WORKFLOW

    assert (ROOT / DEFAULT_DRIFT_WORKFLOW).is_file()


def test_a_labelled_pull_request_asks_for_its_review_environment_and_forks_never_do():
    workflow = _load("review.yml")
    assert workflow["on"] == {
        "pull_request": {"types": ["labeled", "unlabeled", "synchronize", "reopened", "closed"]}
    }
    job = workflow["jobs"]["request"]
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert job["permissions"] == {"actions": "write"}  # nothing else: no checkout, no secrets
    (step,) = job["steps"]
    assert step["run"] == 'gh workflow run review-env.yml --ref main -f pull-request="$PR_NUMBER"'
    assert step["env"]["PR_NUMBER"] == "${{ github.event.pull_request.number }}"  # a number, through env


def test_review_env_decides_from_the_pull_request_and_the_config_not_the_event():
    workflow = _load("review-env.yml")
    assert set(workflow["on"]) == {"workflow_dispatch", "schedule"}
    assert workflow["concurrency"] == {"group": "review-env", "cancel-in-progress": False}
    jobs = workflow["jobs"]
    plan = jobs["plan"]
    assert plan["if"] == "github.ref == 'refs/heads/main'"  # the dev deploy roles trust it from main only
    run = next(s["run"] for s in plan["steps"] if s.get("id") == "plan")
    assert "python -m tools env expired" in run  # the TTL sweep
    assert "python -m tools env policy" in run  # the label is services:review.label, one owner
    assert 'not pr["isCrossRepository"]' in run  # forks never get one
    assert 'pr["state"] == "OPEN"' in run
    assert "^[1-9][0-9]{0,6}$" in run  # the dispatched number is checked before use
    record = next(s["run"] for s in jobs["record"]["steps"] if "record_change.py" in s.get("run", ""))
    assert 'record_change.py infra/Pulumi.dev.yaml "services/Pulumi.${NAME}.yaml"' in record
    assert "python -m tools env renew" in record
    assert "python -m tools env add" in record
    for name in ("platform", "platform-after"):
        assert jobs[name]["uses"] == "./.github/workflows/deploy-stack.yml"
        assert jobs[name]["with"] == {"stack": "dev", "project": "platform", "newest-main": True}
    services = jobs["services"]
    assert services["needs"] == ["plan", "platform"]  # namespace and slot exist before the services
    assert services["environment"] == "dev"
    up = next(s for s in services["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert up["with"]["command"] == "up"
    assert up["with"]["stack-name"] == "${{ needs.plan.outputs.name }}"
    assert up["with"]["upsert"] is True
    assert (
        up["with"]["policyPacks"] == "${{ github.workspace }}/policy"
    )  # relative to work-dir otherwise (test_action_paths.py)
    assert "gh pr comment" in services["steps"][-1]["run"]  # the comment shows its URLs
    assert "smoke_targets" in services["steps"][-1]["run"]
    destroy = next(s for s in jobs["destroy"]["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert (destroy["with"]["command"], destroy["with"]["remove"]) == ("destroy", True)
    release = next(s["run"] for s in jobs["release"]["steps"] if "record_change.py" in s.get("run", ""))
    assert "python -m tools env remove" in release  # the slot goes back to the FIFO queue
    assert jobs["release"]["needs"] == ["plan", "destroy"]


def test_every_raw_pulumi_command_runs_in_the_projects_own_directory():
    # Given the project directories (the platform's Pulumi.yaml is in infra/ since the layout)
    from settings.stacks import Project, project_dir

    dirs = {p.value: str(project_dir(p).relative_to(ROOT)) for p in Project}
    expected = f"${{{{ matrix.project == 'services' && '{dirs['services']}' || '{dirs['platform']}' }}}}"
    # Then every step that runs `pulumi ... --cwd "$WORK_DIR"` points WORK_DIR at one of them
    found = [
        (wf, step["env"]["WORK_DIR"])
        for wf, _, step in _steps()
        if '--cwd "$WORK_DIR"' in step.get("run", "")
    ]
    assert {wf for wf, _ in found} == {"preview.yml", "drift.yml"}
    assert {work_dir for _, work_dir in found} == {expected}


# --- build-and-sign.yml: the images the cluster admits ---------------------------------------------------


def _build() -> dict[str, Any]:
    return _load("build-and-sign.yml")["jobs"]["build"]


def _step(name: str) -> dict[str, Any]:
    return next(s for s in _build()["steps"] if s.get("name") == name or s.get("uses", "").startswith(name))


def test_build_and_sign_is_reusable_and_pushes_with_the_push_role_by_oidc():
    workflow = _load("build-and-sign.yml")
    assert set(workflow["on"]) == {"workflow_call"}
    assert set(workflow["on"]["workflow_call"]["inputs"]) >= {"component", "version", "environment"}
    job = _build()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["environment"]["name"] == "${{ inputs.environment }}"  # the push role trusts its subject
    aws = _step("aws-actions/configure-aws-credentials@")
    assert aws["with"]["role-to-assume"] == "${{ vars.IMAGE_PUSH_ROLE_ARN }}"


RUNNER_IMAGE_TOOLS = {"ubuntu-24.04": {"skopeo"}}
"""Tools a run step calls without installing them, by the hosted image that ships them: ubuntu-24.04's packer
template (actions/runner-images images/ubuntu/templates/build.ubuntu-24_04.pkr.hcl) runs
scripts/build/install-container-tools.sh, which apt-installs podman, buildah and skopeo."""


def test_every_job_calling_skopeo_runs_on_an_image_that_has_it():
    # The promotion copies by digest with skopeo, which no step installs: the job must run on an image that
    # ships it (cosign copy is deprecated in cosign 3.1).
    callers = [
        (workflow, job_id, job["runs-on"])
        for workflow, job_id, job in _jobs()
        if any("skopeo " in step.get("run", "") for step in job.get("steps", []))
    ]
    assert callers, "no job calls skopeo: drop this check and RUNNER_IMAGE_TOOLS' entry"
    for workflow, job_id, runner in callers:
        assert "skopeo" in RUNNER_IMAGE_TOOLS.get(runner, set()), f"{workflow}:{job_id} runs on {runner}"


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        ("1.4.2", True),
        ("10.0.0", True),
        ("latest", False),
        ("v1.4.2", False),
        ("1.4", False),
        ("01.4.2", False),
        ("1.4.2-rc.1", False),
    ],
)
def test_build_and_sign_enforces_the_tag_standard(tmp_path: Path, version: str, ok: bool):
    # 002 §4: <component>:<major.minor.patch>-<gitShortSha>, never latest; the step's own script, run.
    script = _step("the tag standard (002 §4)")["run"]
    out = tmp_path / "out"
    env = {
        "COMPONENT": "gateway",
        "VERSION": version,
        "ENVIRONMENT": "dev",
        "REGISTRY": "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com",
        "GITHUB_SHA": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
        "GITHUB_OUTPUT": str(out),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False)
    assert (done.returncode == 0) == ok, done.stdout
    if ok:
        assert out.read_text().splitlines() == [
            "repository=111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/product/gateway",
            f"tag={version}-ab12cd3",
        ]
    else:
        assert done.returncode == 2
        assert f"got '{version}'" in done.stdout


def test_build_and_sign_scans_before_it_signs_and_fails_on_fixable_high_or_critical():
    names = [s.get("name") or s["uses"].split("@")[0] for s in _build()["steps"]]
    assert names.index("vulnerabilities (high or critical with a fix fail the build)") < names.index(
        "sign and attest the digest"
    )
    sbom = _step("SBOM (CycloneDX)")["with"]
    assert (sbom["format"], sbom["output-file"]) == ("cyclonedx-json", "sbom.cdx.json")
    grype = _step("vulnerabilities (high or critical with a fix fail the build)")["with"]
    assert grype == {
        **grype,
        "sbom": "sbom.cdx.json",
        "fail-build": True,
        "severity-cutoff": "high",
        "only-fixed": True,
    }


def test_build_and_sign_signs_the_digest_with_the_kms_key_as_admission_verifies():
    job = _build()
    assert (
        job["env"]["SIGNING_KEY"] == "awskms:///${{ vars.IMAGE_SIGNING_KEY_ARN }}"
    )  # three slashes and the ARN
    assert _step("sigstore/cosign-installer@")["with"]["cosign-release"] == "v3.1.2"
    sign = _step("sign and attest the digest")
    assert sign["env"]["IMAGE"].endswith("@${{ steps.build.outputs.digest }}")  # the digest, never a tag
    script = sign["run"]
    assert (
        'cosign sign --yes --key "$SIGNING_KEY" --tlog-upload=false --use-signing-config=false "$IMAGE"'
        in script
    )
    assert 'cosign attest --yes --key "$SIGNING_KEY" --type cyclonedx --predicate sbom.cdx.json' in script
    verify = _step("verify as admission does")["run"]
    assert "--insecure-ignore-tlog=true" in verify
    assert "verify-attestation" in verify
    build = _step("build and push")["with"]
    assert (build["provenance"], build["sbom"], build["push"]) == (False, False, True)
    # One single-platform manifest per build: the repositories' only untagged manifests are then cosign's
    # referrers, which is why their lifecycle has no untagged rule (docs/IMAGES.md, "Untagged images").
    assert "platforms" not in build


def test_builds_go_to_dev_and_the_environments_above_receive_promoted_images(tmp_path: Path):
    script = _step("the tag standard (002 §4)")["run"]
    env = {"COMPONENT": "gateway", "VERSION": "1.4.2", "ENVIRONMENT": "prod", "PATH": "/usr/bin:/bin"}
    env |= {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_SHA": "ab12cd3" * 6}
    done = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "builds go to dev; prod receives promoted images (promote-from)" in done.stdout
    workflow = _load("build-and-sign.yml")
    assert workflow["jobs"]["build"]["if"] == "inputs.promote-from == ''"
    assert workflow["jobs"]["promote"]["if"] == "inputs.promote-from != ''"


DIGEST = "sha256:" + "ab" * 32
STAGING = "222222222222.dkr.ecr.ap-northeast-2.amazonaws.com"
DEV = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com"


@pytest.mark.parametrize(
    ("source", "ok"),
    [
        (f"{DEV}/product/gateway:1.4.2-ab12cd3@{DIGEST}", True),
        (f"{DEV}/product/gateway:1.4.2-ab12cd3", False),  # a tag alone can move: the digest is the image
        (f"{DEV}/product/gateway:latest@{DIGEST}", False),
        (f"{DEV}/product/web:1.4.2-ab12cd3@{DIGEST}", False),  # another component
        (f"docker.io/library/gateway:1.4.2-ab12cd3@{DIGEST}", False),
    ],
)
def test_promotion_takes_only_a_build_of_the_component_pinned_by_digest(
    tmp_path: Path, source: str, ok: bool
):
    job = _load("build-and-sign.yml")["jobs"]["promote"]
    script = next(s for s in job["steps"] if s.get("id") == "source")["run"]
    out = tmp_path / "out"
    env = {"COMPONENT": "gateway", "SOURCE": source, "REGISTRY": STAGING, "GITHUB_OUTPUT": str(out)}
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode == 0) == ok, done.stdout
    if ok:
        assert out.read_text().splitlines() == [
            "registries=111111111111,222222222222",
            f"repository={STAGING}/product/gateway",
            "tag=1.4.2-ab12cd3",
            f"digest={DIGEST}",
        ]


def test_promotion_verifies_the_source_copies_by_digest_rescans_and_signs_with_its_own_key():
    steps = _load("build-and-sign.yml")["jobs"]["promote"]["steps"]
    names = [s.get("name") or s["uses"].split("@")[0] for s in steps]
    order = [
        "verify the environment below signed and attested it",
        "vulnerabilities (high or critical with a fix fail the promotion)",
        "copy by digest",
        "sign and attest the digest",
        "verify as admission does",
    ]
    assert [n for n in names if n in order] == order
    by_name = dict(zip(names, steps, strict=True))
    verify = by_name[order[0]]["run"]
    # the environment below's key, by its alias ARN: cosign reads its public key from KMS (cross-account)
    assert 'cosign verify --key "$SOURCE_SIGNING_KEY" --insecure-ignore-tlog=true' in verify
    promote = _load("build-and-sign.yml")["jobs"]["promote"]
    assert promote["env"]["SOURCE_SIGNING_KEY"] == "awskms:///${{ vars.IMAGE_SOURCE_SIGNING_KEY_ARN }}"
    assert "--type cyclonedx" in verify
    assert "skopeo copy --all --preserve-digests" in by_name["copy by digest"]["run"]
    assert by_name[order[1]]["with"]["only-fixed"] is True


def test_the_restore_drill_runs_monthly_builds_from_prods_copies_measures_and_always_tears_down():
    workflow = _load("dr-drill.yml")
    assert workflow["on"]["schedule"] == [{"cron": "0 1 1 * *"}]
    jobs = workflow["jobs"]
    assert jobs["drill"]["needs"] == "share"
    assert jobs["drill"]["strategy"]["matrix"]["stack"] == ["dev"]  # the drill account's runner
    steps = jobs["drill"]["steps"]
    runs = [s.get("run", "") for s in steps]
    write = next(r for r in runs if "python -m tools drill" in r)
    assert '--postgres-snapshot "drill-${GITHUB_RUN_ID}"' in write
    ups = [s for s in steps if s.get("uses", "").startswith("pulumi/actions@")]
    assert [s["with"]["command"] for s in ups] == ["up", "up", "destroy"]
    assert all(s["with"]["stack-name"] == "drill" for s in ups)
    assert ups[-1]["if"] == "always()"
    assert ups[-1]["with"]["remove"] is True
    order = [
        i
        for i, s in enumerate(steps)
        if s.get("id") == "clock" or s in ups[1:2] or "restore_minutes" in s.get("run", "")
    ]
    assert len(order) == 3  # the clock starts, the restore runs, the time is recorded, in that order
    assert any("restore_seed" in r and "aws" in r for r in runs)
    assert any("DBInstanceStatus" in r for r in runs)  # smoke checks of the restored stores
    stages = [s["run"].split()[-1] for s in steps if "notify_slack.py" in s.get("run", "")]
    assert stages == list(STAGES)
    assert jobs["cleanup"]["if"] == "always() && github.ref == 'refs/heads/main'"
    assert "delete-db-snapshot" in jobs["cleanup"]["steps"][-1]["run"]
