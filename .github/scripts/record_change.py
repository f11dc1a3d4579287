"""Record a stack-file edit on main: ``python3 record_change.py FILE [FILE...] MESSAGE -- EDIT-COMMAND...``.

Used by release.yml, rollback.yml and review-env.yml (a review environment's slot in the dev stack file
and its own stack file, created or deleted: every FILE is staged as the edit left it) so that git stays the source of truth of what a stack runs: the
edit (``python -m tools release|rollback``) is applied to the newest main, committed and pushed. When the
push is refused because main moved meanwhile, the edit is applied again on the new main (it is a
key-level edit, so it never conflicts) - up to ``ATTEMPTS`` times. An edit that changes nothing (the
value is already there) records nothing and answers main's commit. Writes ``sha=<commit>`` to
``GITHUB_OUTPUT``.

Reads ``GH_TOKEN`` (the run's token, ``contents: write``) and ``GITHUB_REPOSITORY``, ``GITHUB_SERVER_URL``.
The token reaches git as an HTTP header through git's environment configuration, never on a command
line or in ``.git/config``. A push by the run's token starts no workflow, so the commit is not deployed a
second time by deploy-services.yml. Exit codes: 0 recorded, 1 git failed, 2 usage or the edit refused.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys

ATTEMPTS = 5
BOT = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


def git_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` plus the git configuration that authenticates to the repository's server with the token."""
    token = base64.b64encode(f"x-access-token:{env['GH_TOKEN']}".encode()).decode()
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    return {
        **env,
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {token}",
        "GIT_AUTHOR_NAME": BOT,
        "GIT_AUTHOR_EMAIL": BOT_EMAIL,
        "GIT_COMMITTER_NAME": BOT,
        "GIT_COMMITTER_EMAIL": BOT_EMAIL,
    }


def _git(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], env=env, capture_output=True, text=True, check=check)


def record(path: str | list[str], message: str, edit: list[str], env: dict[str, str]) -> str:
    """Apply ``edit`` on the newest main, commit ``path`` (one or more files, new and deleted ones too)
    and push; the commit main then points at."""
    paths = [path] if isinstance(path, str) else path
    remote = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}.git"
    for attempt in range(1, ATTEMPTS + 1):
        _git(env, "fetch", "--quiet", remote, "main")
        _git(env, "checkout", "--quiet", "--force", "-B", "main", "FETCH_HEAD")
        _git(env, "clean", "--quiet", "--force", "--", *paths)  # an earlier attempt's new file
        done = subprocess.run(edit, env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(2)  # the command printed why (unknown service, a tag the tier refuses)
        _git(env, "add", "--all", "--", *paths)
        if not _git(env, "status", "--porcelain", "--", *paths).stdout.strip():
            print(f"{' '.join(paths)}: already as requested on main; nothing to record")
            return _git(env, "rev-parse", "HEAD").stdout.strip()
        _git(env, "commit", "--quiet", "-m", message, "--", *paths)
        pushed = _git(env, "push", "--quiet", remote, "HEAD:refs/heads/main", check=False)
        if pushed.returncode == 0:
            return _git(env, "rev-parse", "HEAD").stdout.strip()
        print(f"::notice::push refused (attempt {attempt}/{ATTEMPTS}): {pushed.stderr.strip()}")
    print(f"::error::could not record the change on main after {ATTEMPTS} attempts", file=sys.stderr)
    raise SystemExit(1)


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else -1
    if split < 3 or split == len(argv) - 1:
        print("usage: record_change.py FILE [FILE...] MESSAGE -- EDIT-COMMAND...", file=sys.stderr)
        return 2
    paths, message = argv[1 : split - 1], argv[split - 1]
    env = git_env(dict(os.environ))
    try:
        sha = record(paths, message, argv[split + 1 :], env)
    except subprocess.CalledProcessError as exc:
        print(f"::error::git {' '.join(exc.cmd[1:3])} failed: {exc.stderr.strip()}", file=sys.stderr)
        return 1
    print(f"recorded {' '.join(paths)} at {sha}")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"sha={sha}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
