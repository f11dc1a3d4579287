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
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
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


class _WebSocketServer:
    """A minimal RFC 6455 handshake server on 127.0.0.1: answers ``mode`` (``ok``, ``refuse``, ``bad-accept``)."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, mode: str) -> None:
        import socket

        self.mode = mode
        self.requests: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import base64
        import hashlib

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                text = head.decode("latin-1")
                self.requests.append(text)
                key = next(
                    (
                        line.split(":", 1)[1].strip()
                        for line in text.split("\r\n")
                        if line.lower().startswith("sec-websocket-key:")
                    ),
                    "",
                )
                accept = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
                if self.mode == "refuse":
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    continue
                if self.mode == "bad-accept":
                    accept = base64.b64encode(b"not the digest").decode()
                conn.sendall(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
                )
                conn.recv(16)  # the client's close frame

    def close(self) -> None:
        self.sock.close()


def _targets_file(tmp_path: Path, https: dict[str, str], websockets: dict[str, str]) -> str:
    path = tmp_path / "targets.json"
    path.write_text(json.dumps({"https": https, "websockets": websockets}))
    return str(path)


def test_smoke_check_targets_checks_every_service_and_opens_the_websocket(server: str, tmp_path: Path):
    _Handler.statuses = {"/healthz": 200, "/readyz": 200, "/api/healthz": 200, "/api/readyz": 200}
    ws = _WebSocketServer("ok")
    try:
        targets = _targets_file(
            tmp_path,
            {"web": server, "gateway": f"{server}/api"},
            {"realtime": f"ws://127.0.0.1:{ws.port}/ws"},
        )
        result = _script("smoke_check.py", "--targets", targets)
    finally:
        ws.close()
    assert result.returncode == 0, result.stdout + result.stderr
    for url in (f"{server}/healthz", f"{server}/readyz", f"{server}/api/healthz", f"{server}/api/readyz"):
        assert f"ok {url}" in result.stdout
    assert f"ok websocket ws://127.0.0.1:{ws.port}/ws" in result.stdout
    request = ws.requests[0]
    assert request.startswith("GET /ws HTTP/1.1\r\n")
    assert "Upgrade: websocket" in request
    assert "Sec-WebSocket-Version: 13" in request


@pytest.mark.parametrize(
    ("mode", "reported"), [("refuse", "400"), ("bad-accept", "wrong Sec-WebSocket-Accept")]
)
def test_smoke_check_fails_naming_a_websocket_that_does_not_upgrade(
    server: str, tmp_path: Path, mode, reported
):
    _Handler.statuses = {"/healthz": 200, "/readyz": 200}
    ws = _WebSocketServer(mode)
    try:
        url = f"ws://127.0.0.1:{ws.port}/ws"
        result = _script(
            "smoke_check.py", "--targets", _targets_file(tmp_path, {"web": server}, {"realtime": url})
        )
    finally:
        ws.close()
    assert result.returncode == 1
    failures = [line for line in result.stdout.splitlines() if line.startswith("::error::")]
    assert len(failures) == 1
    assert url in failures[0]
    assert reported in failures[0]


def test_smoke_check_targets_reads_the_services_stacks_output_from_stdin(server: str):
    _Handler.statuses = {"/healthz": 200, "/readyz": 503}
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "smoke_check.py"), "--targets", "-"],
        input=json.dumps({"https": {"web": server}, "websockets": {}}),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SMOKE_ATTEMPTS": "1", "SMOKE_DELAY_SECONDS": "0"},
    )
    assert done.returncode == 1
    assert f"::error::smoke check failed: {server}/readyz: 503" in done.stdout


def test_smoke_check_rejects_targets_that_name_nothing(tmp_path: Path):
    assert _script("smoke_check.py", "--targets", _targets_file(tmp_path, {}, {})).returncode == 2
