"""The Slack forwarder Lambda: message formatting (pure) and a post to a webhook on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from components.observability import slack_forwarder

ALARM = {
    "AlarmName": "prod-alarms-lb-p95-latency",
    "AlarmDescription": "p95 response time above 1 s",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (1.0).",
}


def test_alarm_message_names_the_alarm_state_and_reason():
    message = slack_forwarder.slack_message("ALARM: ...", json.dumps(ALARM))
    assert message["text"].splitlines() == [
        ":red_circle: *prod-alarms-lb-p95-latency* is ALARM",
        "p95 response time above 1 s",
        "_Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (1.0)._",
    ]


def test_recovery_is_green():
    message = slack_forwarder.slack_message(None, json.dumps({**ALARM, "NewStateValue": "OK"}))
    assert message["text"].startswith(":large_green_circle: *prod-alarms-lb-p95-latency* is OK")


def test_budget_text_is_forwarded_with_its_subject():
    message = slack_forwarder.slack_message(
        "AWS Budgets: platform-prod-monthly has exceeded your alert threshold", "You requested..."
    )
    assert message == {
        "text": "*AWS Budgets: platform-prod-monthly has exceeded your alert threshold*\nYou requested..."
    }


def test_handler_posts_each_record_to_the_webhook(monkeypatch: pytest.MonkeyPatch):
    received: list[dict[str, str]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        # The webhook is normally read from Secrets Manager at cold start; here it is already cached.
        monkeypatch.setattr(slack_forwarder, "_webhook", f"http://127.0.0.1:{server.server_address[1]}/hook")
        event = {
            "Records": [
                {"Sns": {"Subject": "s", "Message": json.dumps(ALARM)}},
                {"Sns": {"Message": "plain"}},
            ]
        }
        assert slack_forwarder.handler(event, None) == {"forwarded": 2}
    finally:
        server.shutdown()
        server.server_close()
    assert [m["text"].splitlines()[0] for m in received] == [
        ":red_circle: *prod-alarms-lb-p95-latency* is ALARM",
        "*Notification*",
    ]
