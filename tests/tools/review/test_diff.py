"""`python -m tools diff`: each revision previewed with its own code, compared by URN (issue 14's "Must show")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.preview import runner
from tools.preview.runner import ROOT
from tools.review import snapshot


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=review@test", "-c", "user.name=review", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def infra(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return collect(start(cwd, *args))


def start(cwd: Path, *args: str) -> subprocess.Popen[str]:
    # -P: the clone (cwd) stays off sys.path, so the command itself is this tree's (the editable install);
    # the clone is only the repository under review, as when a reviewer runs it in their checkout. Its
    # platform outputs go to the clone's own .cache/, whatever $INFRA_PREVIEW_CACHE says.
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "tools", *args],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != runner.CACHE_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate(timeout=900)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def change(
    tmp_path_factory,
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str], Path, dict[str, int]]:
    """A clone whose last commit bumps the gateway's image and removes a protected prod bucket.

    Diffed once per project, the platform first: (platform diff, services diff, clone, the platform runs
    stored right after the platform diff). The services diff then answers both revisions'
    StackReference from the platform runs the first diff stored.
    """
    clone = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    platform, services = clone / "infra" / "Pulumi.prod.yaml", clone / "services" / "Pulumi.prod.yaml"
    # The product requires its three buckets (a guardrail), so the removed one is added first.
    edit(platform, "      - name: static\n", "      - name: archive\n      - name: static\n")
    git(clone, "commit", "-qam", "prod: an archive bucket")
    edit(services, "product/gateway:v1.4.2", "product/gateway:v1.4.3")
    edit(platform, "      - name: archive\n", "")
    git(clone, "commit", "-qam", "prod: gateway v1.4.3, archive bucket removed")
    platform_diff = infra(clone, "diff", "--stack", "prod", "--base", "HEAD~1", "--json")
    stored = _stored_runs(clone)
    services_diff = infra(
        clone, "diff", "--stack", "prod", "--project", "services", "--base", "HEAD~1", "--json"
    )
    return platform_diff, services_diff, clone, stored


def _stored_runs(clone: Path) -> dict[str, int]:
    """The clone's stored platform runs: file name -> mtime."""
    return {p.name: p.stat().st_mtime_ns for p in (clone / ".cache" / "offline-preview").glob("platform.*")}


def test_the_services_diff_reuses_the_platform_runs_the_platform_diff_stored(change):
    # Two revisions whose stack files differ: two keys, one stored run each, in the clone's own .cache/
    # (not the temporary worktree's); the services diff found both and wrote nothing.
    _, services_diff, clone, stored = change
    assert len(stored) == 2, stored
    assert all(name.startswith("platform.prod.preview.") for name in stored)
    assert services_diff.returncode == 0, services_diff.stderr
    assert _stored_runs(clone) == stored


def test_removing_a_protected_bucket_is_flagged_and_exits_4(change):
    done = change[0]
    assert done.returncode == 4, done.stderr
    document = json.loads(done.stdout)
    # The bucket and its copy in the DR region (prod replicates every data bucket: platform:dr).
    assert sorted((d["name"], d["op"], d["protect"]) for d in document["danger"]) == [
        ("prod-buckets-archive", "delete", True),
        ("prod-dr-archive-dr", "delete", True),
    ]


def test_the_bucket_and_its_children_are_deletes(change):
    document = json.loads(change[0].stdout)
    deleted = {(c["type"].split(":")[-1], c["name"]) for c in document["changes"] if c["op"] == "delete"}
    assert ("Bucket", "prod-buckets-archive") in deleted
    for child in (
        "BucketPolicy",
        "BucketServerSideEncryptionConfiguration",
        "BucketPublicAccessBlock",
        "BucketVersioning",
    ):
        assert (child, "prod-buckets-archive") in deleted
    # Besides the bucket: its replica in the DR region and the replication rule attached to it.
    replication = {"prod-dr-archive-dr", "prod-dr-archive"}
    assert all(name in {"prod-buckets-archive", *replication} for _, name in deleted), (
        "nothing else is deleted"
    )
    assert ("BucketReplicationConfig", "prod-dr-archive") in deleted
    assert document["summary"]["create"] == 0


def test_the_service_objects_are_updates_with_the_new_image(change):
    done = change[1]
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["danger"] == []
    assert document["project"] == "services"
    changes = {c["name"]: c for c in document["changes"]}
    rollout = changes["prod-services-gateway-rollout"]
    assert rollout["op"] == "update"
    image = next(c for c in rollout["changes"] if c["path"] == "spec.template.spec.containers[gateway].image")
    assert "gateway:v1.4.2@sha256:" in image["old"]  # prod images carry a digest
    assert "gateway:v1.4.3@sha256:" in image["new"]
    assert not image["forces_replacement"]
    # the bucket's name leaves every service's environment (matched by name): updates, not replacements
    assert any(c["path"].endswith("env[S3_BUCKET_ARCHIVE]") for c in rollout["changes"])
    assert all(
        c["op"] == "update" for c in document["changes"] if c["type"] == "kubernetes:apps/v1:Deployment"
    )
    # a Job's pod template is immutable (pulumi-kubernetes forceNew): the migration is replaced
    assert changes["prod-services-gateway-migration-job"]["op"] == "replace"


def test_components_summary_and_cost_delta(change):
    document = json.loads(change[0].stdout)
    buckets = next(c for c in document["components"] if c["component"].startswith("prod-buckets "))
    assert buckets["delete"] == 7
    assert document["cost"]["delta_monthly_usd"] < 0, "one bucket fewer costs less"


def test_the_temporary_worktree_is_removed(change):
    clone = change[2]
    assert git(clone, "worktree", "list").count("\n") == 1


def test_an_invalid_stack_file_in_a_revision_exits_2_without_a_traceback(change):
    clone = change[2]
    # Committed, so that both revisions fail at load time (no whole-program run), then undone.
    edit(clone / "infra" / "Pulumi.prod.yaml", "retentionDays: 365", "retentionDays: 0")
    git(clone, "commit", "-qam", "an invalid retention")
    try:
        done = infra(clone, "diff", "--stack", "prod", "--base", "HEAD", "--head", "HEAD")
    finally:
        git(clone, "reset", "-q", "--hard", "HEAD~1")
    assert done.returncode == 2
    assert "preview of HEAD failed" in done.stderr
    assert "platform:network.flowLogs.retentionDays" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_revision_exits_2(tmp_path):
    done = infra(ROOT, "diff", "--stack", "prod", "--base", "no-such-revision")
    assert done.returncode == 2
    assert "unknown revision 'no-such-revision'" in done.stderr


def fake_repository(tmp_path: Path, cli: str) -> Path:
    """A repository of the three packages, empty but for ``tools/cli.py`` (``cli``)."""
    repo = tmp_path / "repo"
    for package in ("infra", "components", "policy"):
        (repo / package).mkdir(parents=True)
        (repo / package / "__init__.py").write_text("")
    (repo / "infra" / "cli.py").write_text(cli)
    return repo


FAKE_CLI = """
import json
import components.marker


def main(argv):
    print(json.dumps({"resources": [], "cli": __file__, "marker": components.marker.__file__,
                      "version": components.marker.VERSION, "argv": argv}))
    return 0
"""


def test_each_revision_runs_its_own_code_not_the_installed_tree(tmp_path):
    """The editable install maps `infra`/`components` to this tree; the base's checkout must win."""
    repo = fake_repository(tmp_path, FAKE_CLI)
    (repo / "components" / "marker.py").write_text('VERSION = "base"\n')
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    (repo / "components" / "marker.py").write_text('VERSION = "head"\n')

    base, head = snapshot.previews(repo, "dev", "HEAD", None)

    assert (base.document["version"], head.document["version"]) == ("base", "head")
    assert head.document["cli"] == str((repo / "infra" / "cli.py").resolve())
    for document in (base.document, head.document):
        assert not document["cli"].startswith(str(ROOT) + "/"), "imported from the installed tree"
    assert base.document["argv"] == ["preview", "--stack", "dev", "--json"]
    assert git(repo, "worktree", "list").count("\n") == 1


CACHE_CLI = """
import json, os


def main(argv):
    print(json.dumps({"resources": [], "cache": os.environ.get("INFRA_PREVIEW_CACHE")}))
    return 0
"""


def test_both_revisions_share_the_platform_outputs_cache_the_preview_command_uses(tmp_path, monkeypatch):
    # The repository's .cache/offline-preview, or $INFRA_PREVIEW_CACHE as for `python -m tools preview`:
    # never the temporary worktrees' own.
    repo = fake_repository(tmp_path, CACHE_CLI)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    monkeypatch.setenv(runner.CACHE_ENV, str(tmp_path / "shared"))
    base, head = snapshot.previews(repo, "dev", "HEAD", None)
    assert base.document["cache"] == head.document["cache"] == str(tmp_path / "shared")
    monkeypatch.delenv(runner.CACHE_ENV)
    base, head = snapshot.previews(repo, "dev", "HEAD", None)
    assert base.document["cache"] == head.document["cache"] == str(repo / runner.CACHE_DIR)


STRAY_CLI = """
import importlib.util, sys

def main(argv):
    spec = importlib.util.spec_from_file_location("components.elsewhere", {elsewhere!r})
    sys.modules["components.elsewhere"] = importlib.util.module_from_spec(spec)
    print("{{}}")
    return 0
"""


def test_a_module_imported_from_outside_the_revision_exits_2_naming_it(tmp_path):
    # The subprocess exits without the interpreter's teardown; its own check must still decide the code.
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text("")
    repo = fake_repository(tmp_path, STRAY_CLI.format(elsewhere=str(elsewhere)))
    done = subprocess.run(snapshot.command(repo, ["preview"]), cwd=repo, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == "{}\n"
    assert f"components.elsewhere ({elsewhere})" in done.stderr
