"""Post a deployment stage to Slack: ``python3 notify_slack.py init|build|deploy|completed|failed``.

Reads ``SLACK_WEBHOOK_URL`` (a secret; notifications are skipped with a notice when it is unset),
``STACK``, ``RUN_URL``, ``GITHUB_SHA`` and ``GITHUB_ACTOR`` from the environment. Standard library only,
so it runs before the virtualenv exists. Delivery is best-effort: a Slack outage must not fail (or mask
the failure of) a deployment, so a post that fails is reported as a workflow warning and exits 0.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request

STAGES = {
    "init": ":hourglass_flowing_sand: deployment of *{stack}* started",
    "build": ":hammer: *{stack}*: building (dependencies, offline preview and policy check)",
    "deploy": ":rocket: *{stack}*: `pulumi up` running",
    "completed": ":white_check_mark: *{stack}* deployed and smoke checks passed",
    "failed": ":x: deployment of *{stack}* failed",
}


def message(stage: str, env: dict[str, str]) -> dict[str, str]:
    """The Slack payload for ``stage`` (raises KeyError for an unknown stage)."""
    text = STAGES[stage].format(stack=env.get("STACK", "?"))
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
