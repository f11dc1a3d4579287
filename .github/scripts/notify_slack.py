"""Post a deployment stage to Slack: ``python3 notify_slack.py STAGE`` (one of ``STAGES``).

Reads ``SLACK_WEBHOOK_URL`` (a secret; notifications are skipped with a notice when it is unset),
``STACK``, ``PROJECT`` (defaults to the platform), ``SERVICE`` (promotions), ``RUN_URL``, ``GITHUB_SHA`` and ``GITHUB_ACTOR`` from the environment.

At an end state it also sends a direct message to the person who ran the workflow
(``GITHUB_TRIGGERING_ACTOR``, else ``GITHUB_ACTOR``): ``SLACK_USER_MAP`` (a repository variable, a JSON
object ``{"github-login": "SLACK_USER_ID"}``) names their Slack user and ``SLACK_BOT_TOKEN`` (a secret, a bot
token with ``chat:write``) posts with Slack's ``chat.postMessage``, whose ``channel`` may be a user id (the
bot's DM with that user). An unmapped actor or a missing token skips the DM with a notice. Standard library only,
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
    "record-failed": ":x: *{service}* in *{target}*: the change was refused or could not be recorded on main (see the run)",
    "record-cancelled": ":no_entry_sign: *{service}* in *{target}*: the change was cancelled before it was recorded",
    "rollback": ":rewind: rolling *{service}* back in *{target}*",
    "rolled-back": ":leftwards_arrow_with_hook: *{service}* in *{target}* is back on its previous release and healthy; recording it on main",
    "undo-failed": ":x: the rollback of *{service}* in *{target}* could not act on the cluster; recording rollbackTo and deploying it instead",
    "undo-cancelled": ":no_entry_sign: the rollback of *{service}* in *{target}* was cancelled",
    "abort": ":octagonal_sign: aborting the rollout of *{service}* in *{target}*",
    "aborted": ":leftwards_arrow_with_hook: rollout of *{service}* in *{target}* aborted: the stable version serves",
    "abort-failed": ":x: abort of *{service}* in *{target}* failed",
    "abort-cancelled": ":no_entry_sign: abort of *{service}* in *{target}* was cancelled",
}


def message(stage: str, env: dict[str, str]) -> dict[str, str]:
    """The Slack payload for ``stage`` (raises KeyError for an unknown stage)."""
    target = f"{env.get('PROJECT') or 'platform'}/{env.get('STACK', '?')}"
    text = STAGES[stage].format(target=target, service=env.get("SERVICE", "?"))
    sha = env.get("GITHUB_SHA", "")[:7]
    details = f"commit `{sha}` by {env.get('GITHUB_ACTOR', '?')} | <{env.get('RUN_URL', '')}|run>"
    return {"text": f"{text}\n{details}"}


# The stages that end a run: the person who ran it hears about these directly.
END_STATES = frozenset(
    {"completed", "failed", "cancelled", "promoted", "promote-failed", "promote-cancelled"}
    | {"aborted", "abort-failed", "abort-cancelled", "record-failed", "record-cancelled", "undo-cancelled"}
)
SLACK_API = "https://slack.com/api"  # SLACK_API_URL overrides it (the tests' local server)


def dm_target(env: dict[str, str]) -> tuple[str | None, str]:
    """The Slack user id to DM for this run, or ``None`` and the reason it is skipped."""
    actor = env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR") or ""
    if not env.get("SLACK_BOT_TOKEN"):
        return None, "SLACK_BOT_TOKEN is not set; direct message skipped"
    try:
        mapping = json.loads(env.get("SLACK_USER_MAP") or "{}")
    except json.JSONDecodeError as exc:
        return None, f"SLACK_USER_MAP is not a JSON object ({exc.msg}); direct message skipped"
    user = mapping.get(actor) if isinstance(mapping, dict) else None
    if not isinstance(user, str) or not user:
        return None, f"GitHub user {actor or '?'} has no Slack user in SLACK_USER_MAP; direct message skipped"
    return user, ""


def _post(request: urllib.request.Request, what: str) -> None:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
    except OSError as exc:
        print(f"::warning::{what} failed: {exc}")
        return
    if what.startswith("Slack DM"):  # the Web API answers 200 with {"ok": false, "error": ...}
        try:
            answer = json.loads(body or b"{}")
        except json.JSONDecodeError:
            answer = {}
        if not answer.get("ok"):
            print(f"::warning::{what} failed: {answer.get('error', 'no answer')}")


def direct_message(payload: dict[str, str], env: dict[str, str]) -> None:
    user, reason = dm_target(env)
    if user is None:
        print(f"::notice::{reason}")
        return
    request = urllib.request.Request(
        f"{env.get('SLACK_API_URL') or SLACK_API}/chat.postMessage",
        data=json.dumps({"channel": user, "text": payload["text"]}).encode(),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {env['SLACK_BOT_TOKEN']}",
        },
        method="POST",
    )
    _post(request, "Slack DM")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in STAGES:
        print(f"usage: notify_slack.py {'|'.join(STAGES)}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    payload = message(argv[1], env)
    if argv[1] in END_STATES:
        direct_message(payload, env)
    url = env.get("SLACK_WEBHOOK_URL", "")
    if not url:
        print("::notice::SLACK_WEBHOOK_URL is not set; Slack notification skipped")
        return 0
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    _post(request, "Slack notification")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
