"""pr-comment.yml (``workflow_run``, a token that may comment) trusts nothing a pull request's run wrote
but Markdown: its script runs here against a stand-in ``gh`` with the artifacts a hostile fork could
leave (zizmor's dangerous-triggers: a fork rewrites preview.yml and names another pull request)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from tests.pipeline.runs import load

FAKE_GH = r"""#!/usr/bin/env bash
echo "$*" >> "$GH_LOG"
if [[ "$*" == *"repos/acme/platform/pulls"* ]]; then
  # gh applies --jq; this stand-in prints what that filter prints for two open pull requests.
  printf '41 %s\n' "0000000000000000000000000000000000000000"
  printf '42 %s\n' "$EXPECTED_SHA"
fi
exit 0
"""


def _script() -> tuple[str, dict[str, str]]:
    (step,) = [s for s in load("pr-comment.yml")["jobs"]["comment"]["steps"] if "run" in s]
    return step["run"], step["env"]


def _run(tmp_path: Path, artifacts: dict[str, dict[str, str]], head_sha: str) -> list[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    for name, files in artifacts.items():
        folder = tmp_path / "diffs" / name
        folder.mkdir(parents=True)
        for file, text in files.items():
            (folder / file).write_text(text)
    script, _ = _script()
    log = tmp_path / "gh.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GH_LOG": str(log),
        "GH_TOKEN": "t",
        "REPOSITORY": "acme/platform",
        "HEAD_SHA": head_sha,
        "EXPECTED_SHA": "1111111111111111111111111111111111111111",
        "HEAD": "fork-owner:feature",
    }
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, check=True, timeout=30)
    return log.read_text().splitlines() if log.exists() else []


def test_the_pull_request_is_found_from_the_event_never_from_the_artifact(tmp_path):
    calls = _run(
        tmp_path,
        {"diff-services-prod": {"diff.md": "# diff", "pr-number": "7", "target": "platform-prod"}},
        head_sha="1111111111111111111111111111111111111111",
    )
    posts = [c for c in calls if "--method POST" in c]
    assert posts == ["api --method POST repos/acme/platform/issues/42/comments -F body=@body.md"]
    assert not any("/issues/7/" in c for c in calls)
    assert (tmp_path / "body.md").read_text().startswith("<!-- infra-diff:services-prod -->\n# diff")


def test_a_run_whose_head_is_no_open_pull_request_comments_nowhere(tmp_path):
    calls = _run(tmp_path, {"diff-platform-dev": {"diff.md": "x"}}, head_sha="2" * 40)
    assert not [c for c in calls if "--method POST" in c or "--method PATCH" in c]


def test_the_event_fields_come_from_the_workflow_run_event():
    _, env = _script()
    assert env["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    assert "github.event.workflow_run.head_repository.owner.login" in env["HEAD"]
    assert "github.event.workflow_run.head_branch" in env["HEAD"]
    assert json.dumps(load("preview.yml")).count("pr-number") == 0  # nothing writes a number any more
