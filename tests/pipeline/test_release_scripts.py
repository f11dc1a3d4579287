"""The release pipeline's scripts run as the workflows run them: the Slack direct message (against a local
HTTP server), the commit of a stack-file edit to main (against a local bare repository standing in for
GitHub) and the GitHub Release step of publish-release.yml (its shell, with a recording `gh`)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / ".github" / "scripts"


class _Slack(BaseHTTPRequestHandler):
    posted: list[tuple[str, str, dict[str, str]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.posted.append((self.path, self.headers.get("Authorization", ""), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def slack() -> Iterator[str]:
    _Slack.posted = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slack)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _notify(stage: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GITHUB_"))}
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "notify_slack.py"), stage],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**base, "STACK": "prod", "PROJECT": "services", **env},
    )


def test_the_person_who_ran_it_gets_a_direct_message_at_the_end_state(slack: str):
    done = _notify(
        "failed",
        SLACK_API_URL=slack,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_USER_MAP=json.dumps({"alice": "U0ALICE"}),
        GITHUB_ACTOR="release-bot",
        GITHUB_TRIGGERING_ACTOR="alice",  # re-run by alice: she hears about it
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ((path, auth, body),) = _Slack.posted
    assert path == "/chat.postMessage"
    assert auth == "Bearer xoxb-test"
    assert body["channel"] == "U0ALICE"
    assert "services/prod" in body["text"]
    assert "failed" in body["text"]


def test_an_unmapped_actor_or_no_token_skips_the_dm_with_a_notice(slack: str):
    unmapped = _notify(
        "completed",
        SLACK_API_URL=slack,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_USER_MAP='{"alice": "U0ALICE"}',
        GITHUB_ACTOR="bob",
    )
    assert "::notice::GitHub user bob has no Slack user in SLACK_USER_MAP" in unmapped.stdout
    no_token = _notify(
        "completed", SLACK_API_URL=slack, SLACK_USER_MAP='{"bob": "U0BOB"}', GITHUB_ACTOR="bob"
    )
    assert "::notice::SLACK_BOT_TOKEN is not set" in no_token.stdout
    assert _Slack.posted == []
    assert unmapped.returncode == no_token.returncode == 0


def test_intermediate_stages_send_no_direct_message(slack: str):
    done = _notify(
        "deploy",
        SLACK_API_URL=slack,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_USER_MAP='{"alice": "U0ALICE"}',
        GITHUB_ACTOR="alice",
    )
    assert done.returncode == 0
    assert _Slack.posted == []


# --- record_change.py --------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def github(tmp_path: Path) -> tuple[Path, Path]:
    """A bare repository at <server>/acme/platform.git with one commit on main, and a clone of it."""
    remote = tmp_path / "server" / "acme" / "platform.git"
    remote.parent.mkdir(parents=True)
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    _git(tmp_path, "clone", "-q", str(remote), str(seed))
    (seed / "stack.yaml").write_text("image: v1\n")
    (seed / "other.txt").write_text("a\n")
    _git(seed, "add", ".")
    _git(seed, "commit", "-q", "-m", "seed")
    _git(seed, "push", "-q", "origin", "HEAD:main")
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(remote), str(work))
    return remote, work


def _record(work: Path, server: Path, *edit: str) -> subprocess.CompletedProcess[str]:
    output = work.parent / "github_output"
    output.write_text("")
    env = {
        **os.environ,
        "GH_TOKEN": "t0ken",
        "GITHUB_REPOSITORY": "acme/platform",
        "GITHUB_SERVER_URL": f"file://{server}",
        "GITHUB_OUTPUT": str(output),
    }
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "record_change.py"), "stack.yaml", "release v2", "--", *edit],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_the_edit_is_committed_and_pushed_to_main_and_its_sha_output(github: tuple[Path, Path]):
    remote, work = github
    done = _record(
        work, remote.parents[1], sys.executable, "-c", "open('stack.yaml','w').write('image: v2\\n')"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    head = _git(remote, "rev-parse", "main")
    assert (work.parent / "github_output").read_text() == f"sha={head}\n"
    assert _git(remote, "show", "main:stack.yaml") == "image: v2"
    assert _git(remote, "log", "-1", "--format=%an %s", "main") == "github-actions[bot] release v2"
    assert "t0ken" not in (work / ".git" / "config").read_text()  # the token never lands in the clone


def test_when_main_moved_the_edit_is_applied_again_on_the_new_main(github: tuple[Path, Path]):
    remote, work = github
    # The edit itself pushes another commit first, as a merge landing during the run would.
    other = work.parent / "other"
    _git(work.parent, "clone", "-q", str(remote), str(other))
    race = (
        "import pathlib, subprocess, sys\n"
        f"flag = pathlib.Path({str(work.parent / 'raced')!r})\n"
        "if not flag.exists():\n"
        "    flag.write_text('')\n"
        f"    o = {str(other)!r}\n"
        "    pathlib.Path(o, 'other.txt').write_text('b\\n')\n"
        "    g = ['git', '-c', 'user.name=o', '-c', 'user.email=o@example.com', '-C', o]\n"
        "    subprocess.run(g + ['commit', '-qam', 'merged meanwhile'], check=True)\n"
        "    subprocess.run(g + ['push', '-q', 'origin', 'HEAD:main'], check=True)\n"
        "open('stack.yaml', 'w').write('image: v2\\n')\n"
    )
    done = _record(work, remote.parents[1], sys.executable, "-c", race)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "push refused (attempt 1/5)" in done.stdout
    assert _git(remote, "log", "--format=%s", "main").splitlines() == [
        "release v2",
        "merged meanwhile",
        "seed",
    ]
    assert _git(remote, "show", "main:other.txt") == "b"


def test_several_files_are_recorded_in_one_commit_new_and_deleted_ones_too(github: tuple[Path, Path]):
    # Given an edit that changes one file, creates one and deletes one (a review environment's slot,
    # its new stack file; its removal deletes that file again)
    remote, work = github
    output = work.parent / "github_output"
    output.write_text("")
    edit = "import os; open('stack.yaml','w').write('image: v3\\n'); open('new.yaml','w').write('a: 1\\n'); os.remove('other.txt')"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "record_change.py"),
            "stack.yaml",
            "new.yaml",
            "other.txt",
            "review pr-1",
            "--",
            sys.executable,
            "-c",
            edit,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **os.environ,
            "GH_TOKEN": "t0ken",
            "GITHUB_REPOSITORY": "acme/platform",
            "GITHUB_SERVER_URL": f"file://{remote.parents[1]}",
            "GITHUB_OUTPUT": str(output),
        },
    )
    # Then one commit holds all three changes
    assert done.returncode == 0, done.stdout + done.stderr
    assert _git(remote, "log", "-1", "--format=%s", "main") == "review pr-1"
    assert _git(remote, "show", "main:stack.yaml") == "image: v3"
    assert _git(remote, "show", "main:new.yaml") == "a: 1"
    assert "other.txt" not in _git(remote, "ls-tree", "--name-only", "main")


def test_a_refused_edit_records_nothing_and_exits_2(github: tuple[Path, Path]):
    remote, work = github
    before = _git(remote, "rev-parse", "main")
    done = _record(work, remote.parents[1], sys.executable, "-c", "raise SystemExit(2)")
    assert done.returncode == 2
    assert _git(remote, "rev-parse", "main") == before


# --- publish-release.yml -----------------------------------------------------------------------------


def _publish_step() -> dict[str, object]:
    workflow = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "publish-release.yml").read_text())
    return next(s for s in workflow["jobs"]["release"]["steps"] if s.get("name") == "tag and release")


@pytest.mark.parametrize(
    ("stack", "flag"), [("dev", "--prerelease"), ("staging", "--prerelease"), ("prod", "--latest")]
)
def test_the_release_step_makes_a_prerelease_below_prod_and_a_release_for_prod(
    tmp_path: Path, stack: str, flag: str
):
    # Given the repository's stack files and a `gh` that records its arguments
    (tmp_path / "services").mkdir()
    (tmp_path / "infra").mkdir()
    for path in (
        ROOT / "infra" / f"Pulumi.{stack}.yaml",
        ROOT / "services" / f"Pulumi.{stack}.yaml",
        ROOT / "stacks.yaml",
    ):
        (tmp_path / path.relative_to(ROOT)).write_text(path.read_text())
    # the tier comes from the registry: a stack file saying otherwise changes nothing (issue 29)
    platform_file = tmp_path / "infra" / f"Pulumi.{stack}.yaml"
    platform_file.write_text(
        platform_file.read_text().replace(f"platform:tier: {stack}", "platform:tier: dev")
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > gh-args\n')
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "STACK": stack,
        "REF": "0123456789abcdef0123456789abcdef01234567",
        "SUMMARY": "release of gateway",
        "ACTOR": "alice",
    }
    # When the step's script runs as GitHub runs it (bash -e)
    done = subprocess.run(
        ["bash", "-e", "-c", str(_publish_step()["run"])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    args = (tmp_path / "gh-args").read_text().splitlines()
    # Then the tag is services-<stack>-<UTC stamp> on the deployed commit, with the tier's flag
    assert args[:2] == ["release", "create"]
    assert re.fullmatch(rf"services-{stack}-20[0-9]{{6}}-[0-9]{{6}}", args[2])
    assert args[3:5] == ["--target", env["REF"]]
    assert args[-1] == flag
    notes = (tmp_path / "notes.md").read_text()
    assert f"**{stack}** (tier {stack})" in notes
    assert "release of gateway" in notes
    assert "      image: " in notes
