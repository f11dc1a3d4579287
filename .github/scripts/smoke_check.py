"""Smoke checks after a deployment. Standard library only.

    python3 smoke_check.py --targets FILE     # FILE: the services stack's `smoke_targets` output (JSON; - for stdin)
    python3 smoke_check.py BASE_URL           # one base URL only

With ``--targets`` (``pulumi stack output --json smoke_targets``: ``{"https": {service: url},
"websockets": {service: wss-url}}``), GETs every service's ``<url>/healthz`` and ``<url>/readyz`` and opens
every WebSocket (an RFC 6455 opening handshake: ``101 Switching Protocols`` with the right
``Sec-WebSocket-Accept``, then a close frame). Each check is retried a bounded number of times (new pods
may still be starting behind the load balancer, DNS records may still be propagating). Exits 1 naming
every check that never passed, 2 on bad usage.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

PATHS = ("/healthz", "/readyz")
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


def status_of(url: str, timeout: float) -> int | str:
    """The HTTP status of a GET on ``url``, or the error text when there was no answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError as exc:
        return str(exc)


def websocket_handshake(url: str, timeout: float) -> int | str:
    """101 when ``url`` (``ws://`` or ``wss://``) completes a WebSocket opening handshake, else what went wrong."""
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "wss"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    key = base64.b64encode(os.urandom(16)).decode()
    expected = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: https://{host}\r\n\r\n"
    )
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            conn = ssl.create_default_context().wrap_socket(raw, server_hostname=host) if secure else raw
            conn.sendall(request.encode())
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 16384:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            status = lines[0].split(" ", 2)
            if len(status) < 2 or not status[1].isdigit():
                return f"no HTTP answer ({lines[0]!r})"
            if int(status[1]) != 101:
                return int(status[1])
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
            }
            if headers.get("upgrade", "").lower() != "websocket":
                return "101 without Upgrade: websocket"
            if headers.get("sec-websocket-accept") != expected:
                return "101 with a wrong Sec-WebSocket-Accept"
            conn.sendall(bytes([0x88, 0x80]) + os.urandom(4))  # a masked close frame, no payload
            return 101
    except OSError as exc:
        return str(exc)


def retried(label: str, probe: Callable[[], int | str], ok: int, attempts: int, delay: float) -> str | None:
    """``None`` once ``probe`` returns ``ok``; else the failure, with the last result."""
    result: int | str = "not tried"
    for attempt in range(attempts):
        result = probe()
        if result == ok:
            print(f"ok {label}")
            return None
        if attempt + 1 < attempts:
            time.sleep(delay)
    return f"{label}: {result}"


def check(base_url: str, attempts: int, delay: float, timeout: float) -> list[str]:
    """The paths of ``base_url`` that did not answer 200 within ``attempts`` tries, with their last result."""
    failures = []
    for path in PATHS:
        url = base_url.rstrip("/") + path
        failure = retried(url, lambda url=url: status_of(url, timeout), 200, attempts, delay)
        if failure:
            failures.append(failure)
    return failures


def check_targets(targets: dict, attempts: int, delay: float, timeout: float) -> list[str]:
    """Every service's health paths and every WebSocket of a ``smoke_targets`` output."""
    failures = []
    for base_url in (targets.get("https") or {}).values():
        failures += check(base_url, attempts, delay, timeout)
    for url in (targets.get("websockets") or {}).values():
        failure = retried(
            f"websocket {url}", lambda url=url: websocket_handshake(url, timeout), 101, attempts, delay
        )
        if failure:
            failures.append(failure)
    return failures


def _targets(source: str) -> dict | None:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()  # noqa: SIM115
        targets = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        print(f"smoke_check.py: cannot read targets from {source}: {exc}", file=sys.stderr)
        return None
    if not isinstance(targets, dict) or not (targets.get("https") or targets.get("websockets")):
        print(f"smoke_check.py: {source} names no https or websockets target", file=sys.stderr)
        return None
    return targets


def main(argv: list[str]) -> int:
    attempts = int(os.environ.get("SMOKE_ATTEMPTS", "30"))
    delay = float(os.environ.get("SMOKE_DELAY_SECONDS", "10"))
    if len(argv) == 3 and argv[1] == "--targets":
        targets = _targets(argv[2])
        if targets is None:
            return 2
        failures = check_targets(targets, attempts, delay, timeout=10)
    elif len(argv) == 2 and argv[1].startswith(("http://", "https://")):
        failures = check(argv[1], attempts, delay, timeout=10)
    else:
        print(
            "usage: smoke_check.py --targets FILE|-  or  smoke_check.py http(s)://BASE_URL", file=sys.stderr
        )
        return 2
    for failure in failures:
        print(f"::error::smoke check failed: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
