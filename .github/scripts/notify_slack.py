"""Post a deployment stage to Slack: ``python3 notify_slack.py STAGE`` (one of ``STAGES``).

Reads ``SLACK_WEBHOOK_URL`` (a secret; notifications are skipped with a notice when it is unset),
``STACK``, ``PROJECT`` (defaults to the platform), ``SERVICE`` (promotions), ``RUN_URL``, ``GITHUB_SHA`` and ``GITHUB_ACTOR`` from the environment. Standard library only,
so it runs before the virtualenv exists. Delivery is best-effort: a Slack outage must not fail (or mask
the failure of) a deployment, so a post that fails is reported as a workflow warning and exits 0.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request

STAGES = {
    "init": ":hourglass_flowing_sand: deployment of *{target}* started",
    "build": ":hammer: *{target}*: building (dependencies, offline preview and policy check)",
    "deploy": ":rocket: *{target}*: `pulumi up` running",
    "completed": ":white_check_mark: *{target}* deployed and smoke checks passed",
    "failed": ":x: deployment of *{target}* failed (or timed out)",
    "cancelled": ":no_entry_sign: deployment of *{target}* was cancelled",
    "promote": ":arrow_up: promoting *{service}* in *{target}*",
    "promoted": ":white_check_mark: *{service}* promoted in *{target}* and Healthy",
    "promote-failed": ":x: promotion of *{service}* in *{target}* failed: it did not become Healthy",
    "promote-cancelled": ":no_entry_sign: promotion of *{service}* in *{target}* was cancelled",
}


def message(stage: str, env: dict[str, str]) -> dict[str, str]:
    """The Slack payload for ``stage`` (raises KeyError for an unknown stage)."""
    target = f"{env.get('PROJECT') or 'platform'}/{env.get('STACK', '?')}"
    text = STAGES[stage].format(target=target, service=env.get("SERVICE", "?"))
    sha = env.get("GITHUB_SHA", "")[:7]
    details = f"commit `{sha}` by {env.get('GITHUB_ACTOR', '?')} | <{env.get('RUN_URL', '')}|run>"
    return {"text": f"{text}\n{details}"}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in STAGES:
        print(f"usage: notify_slack.py {'|'.join(STAGES)}", file=sys.stderr)
        return 2
    payload = message(argv[1], dict(os.environ))
    url = os.environ.get("SLACK_WEBHOOK_URL", "")
    if not url:
        print("::notice::SLACK_WEBHOOK_URL is not set; Slack notification skipped")
        return 0
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except OSError as exc:
        print(f"::warning::Slack notification failed: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
