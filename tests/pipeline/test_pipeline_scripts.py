"""The deploy job's scripts, run as the workflow runs them, against an HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / ".github" / "scripts"


class _Handler(BaseHTTPRequestHandler):
    statuses: dict[str, int] = {}
    posted: list[dict[str, str]] = []

    def do_GET(self) -> None:
        self.send_response(self.statuses.get(self.path, 404))
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.posted.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.statuses, _Handler.posted = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SMOKE_ATTEMPTS": "2", "SMOKE_DELAY_SECONDS": "0", **env},
    )


def test_smoke_check_passes_when_healthz_and_readyz_answer_200(server: str):
    _Handler.statuses = {"/healthz": 200, "/readyz": 200}
    result = _script("smoke_check.py", server)
    assert result.returncode == 0, result.stdout
    assert f"ok {server}/healthz" in result.stdout
    assert f"ok {server}/readyz" in result.stdout


def test_smoke_check_fails_naming_the_path_that_is_not_ready(server: str):
    _Handler.statuses = {"/healthz": 200, "/readyz": 503}
    result = _script("smoke_check.py", server)
    assert result.returncode == 1
    assert f"::error::smoke check failed: {server}/readyz: 503" in result.stdout
    assert "healthz: " not in result.stdout


def test_smoke_check_rejects_a_missing_base_url():
    assert _script("smoke_check.py", "").returncode == 2


def test_slack_notification_names_the_project_and_service_of_a_promotion(server: str):
    result = _script(
        "notify_slack.py",
        "promote-failed",
        SLACK_WEBHOOK_URL=f"{server}/hook",
        STACK="prod",
        PROJECT="services",
        SERVICE="web",
        RUN_URL="https://example.invalid/run/2",
    )
    assert result.returncode == 0, result.stderr
    assert "promotion of *web* in *services/prod* failed" in _Handler.posted[-1]["text"]


def test_slack_notification_posts_the_stage_and_stack(server: str):
    result = _script(
        "notify_slack.py",
        "failed",
        SLACK_WEBHOOK_URL=f"{server}/hook",
        STACK="staging",
        GITHUB_SHA="0123456789abcdef",
        GITHUB_ACTOR="octo",
        RUN_URL="https://example.invalid/run/1",
    )
    assert result.returncode == 0, result.stderr
    assert len(_Handler.posted) == 1
    text = _Handler.posted[0]["text"]
    assert "deployment of *platform/staging* failed" in text
    assert "commit `0123456` by octo" in text


def test_slack_notification_is_skipped_without_a_webhook():
    result = _script("notify_slack.py", "init", SLACK_WEBHOOK_URL="")
    assert result.returncode == 0
    assert "Slack notification skipped" in result.stdout


def test_slack_notification_does_not_fail_the_deploy_when_slack_is_down():
    result = _script("notify_slack.py", "completed", SLACK_WEBHOOK_URL="http://127.0.0.1:9/hook")
    assert result.returncode == 0
    assert "::warning::Slack notification failed" in result.stdout


def test_slack_notification_rejects_an_unknown_stage():
    assert _script("notify_slack.py", "shipped").returncode == 2
