"""`make lint`'s dependency audit: pip-audit over the installed, pinned requirements.

pip-audit asks PyPI's JSON API for the known vulnerabilities of each installed release
(https://pypi.org/pypi/<name>/<version>/json). First this checks that the API answers for a
release PyPI itself lists. Where it does not (a machine that reaches only a package mirror),
the audit is reported as SKIPPED and does not fail the run, unless PIP_AUDIT_REQUIRED=1.
When it does, every installed package must be audited (--strict) and have no known vulnerability.
"""

import json
import os
import subprocess  # nosec B404  # runs pip-audit from this same interpreter
import sys
import urllib.error
import urllib.request

PYPI = "https://pypi.org/pypi"
PROBE_PROJECT = "django"
TIMEOUT = 15


def _get_json(url: str) -> dict:
    # A constant https URL of PyPI's API, never user input.
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310  # nosec B310
        return json.load(response)


def service_problem() -> str:
    """Why PyPI's per-release vulnerability data cannot be read here ("" when it can)."""
    try:
        latest = _get_json(f"{PYPI}/{PROBE_PROJECT}/json")["info"]["version"]
        _get_json(f"{PYPI}/{PROBE_PROJECT}/{latest}/json")
    except urllib.error.HTTPError as exc:
        return f"{exc.url} answered HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError) as exc:
        return f"{PYPI} cannot be read ({exc})"
    return ""


def main() -> int:
    problem = service_problem()
    if problem:
        required = os.environ.get("PIP_AUDIT_REQUIRED") == "1"
        print(
            f"pip-audit {'FAILED' if required else 'SKIPPED'}: PyPI's vulnerability service is not reachable "
            f"from this machine: {problem}. Dependencies were NOT audited.",
            file=sys.stderr,
        )
        return 1 if required else 0
    command = [sys.executable, "-m", "pip_audit", "--strict", "--progress-spinner", "off", "--skip-editable"]
    return subprocess.run(command, check=False).returncode  # noqa: S603 - fixed argv, no shell  # nosec B603


if __name__ == "__main__":
    sys.exit(main())
