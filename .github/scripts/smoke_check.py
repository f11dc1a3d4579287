"""Smoke checks after a deployment: ``python3 smoke_check.py BASE_URL``.

GETs ``BASE_URL/healthz`` and ``BASE_URL/readyz`` until each answers 200, retrying a bounded number of
times (new pods may still be starting behind the load balancer). Exits 1 naming every path that never
answered 200, 2 on bad usage. Standard library only.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request

PATHS = ("/healthz", "/readyz")


def status_of(url: str, timeout: float) -> int | str:
    """The HTTP status of a GET on ``url``, or the error text when there was no answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError as exc:
        return str(exc)


def check(base_url: str, attempts: int, delay: float, timeout: float) -> list[str]:
    """The paths that did not answer 200 within ``attempts`` tries, with their last result."""
    failures = []
    for path in PATHS:
        url = base_url.rstrip("/") + path
        result: int | str = "not tried"
        for attempt in range(attempts):
            result = status_of(url, timeout)
            if result == 200:
                print(f"ok {url}")
                break
            if attempt + 1 < attempts:
                time.sleep(delay)
        else:
            failures.append(f"{url}: {result}")
    return failures


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].startswith(("http://", "https://")):
        print("usage: smoke_check.py http(s)://BASE_URL", file=sys.stderr)
        return 2
    attempts = int(os.environ.get("SMOKE_ATTEMPTS", "30"))
    delay = float(os.environ.get("SMOKE_DELAY_SECONDS", "10"))
    failures = check(argv[1], attempts, delay, timeout=10)
    for failure in failures:
        print(f"::error::smoke check failed: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
