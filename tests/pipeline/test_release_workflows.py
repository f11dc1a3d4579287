"""The release, rollback and publish workflows: triggers, approvals per environment, untrusted inputs only
through env, notifications at every end state, and write access only where a commit or a release is
made. (check-jsonschema and zizmor run over every workflow in test_workflows.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
UNTRUSTED = ("github.event.client_payload", "github.event.inputs", "inputs.")


def _load(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def _all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (p.name, j, job) for p in sorted(WORKFLOWS.glob("*.yml")) for j, job in _load(p.name)["jobs"].items()
    ]


def test_release_is_triggered_by_a_product_repository_or_by_hand():
    on = _load("release.yml")["on"]
    assert on["repository_dispatch"] == {"types": ["release"]}
    assert set(on["workflow_dispatch"]["inputs"]) == {"stack", "service", "image"}
    env = _load("release.yml")["jobs"]["record"]["env"]
    assert env["STACK"] == "${{ github.event.inputs.stack || github.event.client_payload.stack || 'dev' }}"
    assert "client_payload.service" in env["SERVICE"]
    assert "client_payload.image" in env["IMAGE"]


def test_no_script_interpolates_an_expression_untrusted_values_arrive_through_env():
    for wf, job_id, job in _all_jobs():
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{wf}:{job_id}:{step.get('name')}"


def test_release_and_rollback_validate_their_inputs_before_editing():
    for name in ("release.yml", "rollback.yml"):
        steps = _load(name)["jobs"]["record"]["steps"]
        names = [s.get("name") for s in steps]
        validate = names.index("validate the inputs")
        edit = next(i for i, s in enumerate(steps) if "record_change.py" in s.get("run", ""))
        assert validate < edit, name
        assert "^[a-z][a-z0-9-]{0,62}$" in steps[validate]["run"]  # a service is a DNS label


def test_the_edit_is_recorded_on_main_then_that_commit_is_deployed_then_published():
    for name, command in (
        ("release.yml", "python -m tools release"),
        ("rollback.yml", "python -m tools rollback"),
    ):
        jobs = _load(name)["jobs"]
        record = jobs["record"]
        assert "refs/heads/main" in record["if"]
        step = next(s for s in record["steps"] if "record_change.py" in s.get("run", ""))
        assert command in step["run"]
        assert step["env"] == {"GH_TOKEN": "${{ github.token }}"}
        deploy = jobs["deploy"]
        assert deploy["uses"] == "./.github/workflows/deploy-stack.yml"
        assert deploy["needs"] == "record"
        assert deploy["with"]["project"] == "services"
        publish = jobs["publish"]
        assert publish["uses"] == "./.github/workflows/publish-release.yml"
        assert "deploy" in publish["needs"]
        assert publish["with"]["ref"] == "${{ needs.deploy.outputs.sha }}"  # the commit deployed


def test_a_services_deploy_checks_out_the_newest_main_and_reports_the_commit():
    workflow = _load("deploy-stack.yml")
    steps = workflow["jobs"]["deploy"]["steps"]
    # never an older stack file over a release recorded while this run waited in the group
    assert steps[0]["with"]["ref"] == (
        "${{ (inputs.project == 'services' || inputs.newest-main) && 'refs/heads/main' || '' }}"
    )
    assert steps[1]["id"] == "commit"
    assert workflow["on"]["workflow_call"]["outputs"]["sha"]["value"] == "${{ jobs.deploy.outputs.sha }}"


def test_rollback_goes_straight_to_the_chosen_stack_through_its_environment():
    workflow = _load("rollback.yml")
    assert set(workflow["on"]) == {"workflow_dispatch"}
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert inputs["to"]["required"] is False  # default: the previous image in git history
    assert inputs["action"]["options"] == ["rollback", "abort"]
    jobs = workflow["jobs"]
    assert jobs["deploy"]["with"]["stack"] == "${{ inputs.stack }}"  # no dev/staging first
    assert jobs["record"]["steps"][0]["with"]["fetch-depth"] == 0  # the history the default comes from
    stack_job = _load("deploy-stack.yml")["jobs"]["deploy"]
    assert stack_job["environment"]["name"] == "${{ inputs.stack }}"  # prod: its reviewers approve


def test_a_rollback_waits_for_its_rollout_to_be_healthy_a_release_may_end_paused():
    assert _load("rollback.yml")["jobs"]["deploy"]["with"]["service"] == "${{ inputs.service }}"
    assert "service" not in _load("release.yml")["jobs"]["deploy"]["with"]  # blue/green waits for promote
    steps = _load("deploy-stack.yml")["jobs"]["deploy"]["steps"]
    up = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("pulumi/actions@"))
    wait = next(i for i, s in enumerate(steps) if "rollout.py status" in s.get("run", ""))
    smoke = next(i for i, s in enumerate(steps) if "smoke_check.py" in s.get("run", ""))
    assert up < wait < smoke
    assert steps[wait]["if"] == "inputs.service != ''"
    assert "smoke_check.py" in steps[smoke]["run"]  # every service (main: the smoke_targets output)


def test_abort_is_argos_own_through_the_stacks_environment_with_every_end_state_notified():
    job = _load("rollback.yml")["jobs"]["abort"]
    assert job["if"] == "github.ref == 'refs/heads/main' && inputs.action == 'abort'"
    assert job["environment"] == {"name": "${{ inputs.stack }}"}
    # not the services deploy group: the abort must not wait behind the `up` whose rollout it stops
    assert job["concurrency"]["group"] == "abort-services-${{ inputs.stack }}"
    assert any("rollout.py abort" in s.get("run", "") for s in job["steps"])
    conditions = {s["name"]: s.get("if") for s in job["steps"] if s.get("name", "").startswith("notify")}
    assert conditions == {
        "notify abort": None,
        "notify aborted": "success()",
        "notify failed": "failure()",
        "notify cancelled": "cancelled()",
    }


def test_every_notify_step_can_dm_the_person_who_ran_it():
    for wf, job_id, job in _all_jobs():
        for step in job.get("steps", []):
            if "notify_slack.py" not in step.get("run", ""):
                continue
            assert "SLACK_BOT_TOKEN" in step["env"], f"{wf}:{job_id}:{step['name']}"
            assert "SLACK_USER_MAP" in job["env"], f"{wf}:{job_id}"  # a variable, not a secret
            assert job["env"]["SLACK_USER_MAP"] == "${{ vars.SLACK_USER_MAP }}"


def test_contents_write_only_where_a_commit_or_a_release_is_made():
    writers = {(wf, j) for wf, j, job in _all_jobs() if job.get("permissions", {}).get("contents") == "write"}
    assert writers == {
        ("release.yml", "record"),
        ("rollback.yml", "record"),
        ("publish-release.yml", "release"),
        # the callers of publish-release.yml grant what its one job uses
        ("release.yml", "publish"),
        ("rollback.yml", "publish"),
        ("deploy-services.yml", "publish-automatic"),
        ("deploy-services.yml", "publish-dispatched"),
        # a review environment's slot and stack file, recorded on main and removed again
        ("review-env.yml", "record"),
        ("review-env.yml", "release"),
    }
    for wf, j, job in _all_jobs():
        if job.get("uses", "").endswith("publish-release.yml"):
            assert job["permissions"] == {"contents": "write"}, f"{wf}:{j}"
    # the token is handed to the one step that uses it
    holders = [
        (wf, j, s.get("name"))
        for wf, j, job in _all_jobs()
        for s in job.get("steps", [])
        if "github.token" in str(s.get("env", {}))
    ]
    assert holders == [
        ("pr-comment.yml", "comment", "create or update one comment per stack and project"),  # pull-requests
        ("publish-release.yml", "release", "tag and release"),
        ("release.yml", "record", "set the image and commit it to main"),
        # review environments: the plan reads the pull request, record and release commit, the deploy
        # comments; the request dispatches review-env.yml
        ("review-env.yml", "plan", "decide from the pull request itself"),
        ("review-env.yml", "record", "env add or renew, committed to main"),
        ("review-env.yml", "services", "comment the environment's URLs on the pull request"),
        (
            "review-env.yml",
            "release",
            "env remove, committed to main (the slot joins the back of the reuse queue)",
        ),
        ("review.yml", "request", "dispatch review-env.yml on main"),
        ("rollback.yml", "record", "set rollbackTo and commit it to main"),
    ]


def test_every_services_deploy_is_published_after_it_succeeds():
    jobs = _load("deploy-services.yml")["jobs"]
    assert jobs["publish-automatic"]["needs"] == ["registry", "automatic"]
    assert jobs["publish-automatic"]["strategy"]["matrix"] == jobs["automatic"]["strategy"]["matrix"]
    assert jobs["publish-dispatched"]["needs"] == "dispatched"
    assert "publish" not in str(_load("deploy-platform.yml")["jobs"])  # releases are of the services


def test_release_and_a_platform_change_never_share_a_concurrency_group():
    stack_job = _load("deploy-stack.yml")["jobs"]["deploy"]
    assert stack_job["concurrency"]["group"] == "deploy-${{ inputs.project }}-${{ inputs.stack }}"
    for name in ("release.yml", "rollback.yml"):
        assert _load(name)["jobs"]["deploy"]["with"]["project"] == "services"
        # recording on main is serialized across runs, never with a deploy
        assert _load(name)["jobs"]["record"]["concurrency"]["group"] == "record-services"


def test_a_refused_or_unrecorded_change_is_notified_too():
    for name in ("release.yml", "rollback.yml"):
        job = _load(name)["jobs"]["record"]
        conditions = {s["name"]: s.get("if") for s in job["steps"] if s.get("name", "").startswith("notify")}
        assert conditions == {"notify failed": "failure()", "notify cancelled": "cancelled()"}, name
