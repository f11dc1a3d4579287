"""AWS Lambda handler: forwards the alert topic's messages (CloudWatch alarms, budgets) to Slack.

Deployed as the function's only file; the standard library plus ``boto3`` (in the Lambda runtime). The
webhook URL is read from Secrets Manager (``WEBHOOK_SECRET_ARN``) at cold start, never from code or
configuration. :func:`slack_message` is pure and tested offline.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

_ICONS = {"ALARM": ":red_circle:", "OK": ":large_green_circle:", "INSUFFICIENT_DATA": ":white_circle:"}
_webhook: str | None = None


def slack_message(subject: str | None, message: str) -> dict[str, str]:
    """The Slack payload for one SNS message: an alarm's state change, or any other text (budgets)."""
    try:
        alarm = json.loads(message)
    except ValueError:
        alarm = None
    if isinstance(alarm, dict) and "AlarmName" in alarm:
        state = str(alarm.get("NewStateValue", "?"))
        text = (
            f"{_ICONS.get(state, ':grey_question:')} *{alarm['AlarmName']}* is {state}\n"
            f"{alarm.get('AlarmDescription') or ''}\n_{alarm.get('NewStateReason', '')}_"
        )
        return {"text": text.strip()}
    return {"text": f"*{subject or 'Notification'}*\n{message}"}


def _webhook_url() -> str:
    global _webhook
    if _webhook is None:
        import boto3  # the Lambda runtime provides it

        secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["WEBHOOK_SECRET_ARN"])
        _webhook = str(secret["SecretString"]).strip()
    return _webhook


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Post every SNS record of ``event`` to Slack; a failed post raises, so SNS retries it."""
    records = event.get("Records", [])
    for record in records:
        sns = record["Sns"]
        body = json.dumps(slack_message(sns.get("Subject"), sns.get("Message", ""))).encode()
        request = urllib.request.Request(
            _webhook_url(), data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
    return {"forwarded": len(records)}
