"""The accounts the fuzzer acts as: a fresh shopper and the demo admin.

Standard library only, so `run.sh` can call it with any python3 and `hooks.py` can import it
inside the Schemathesis venv.

    python3 accounts.py register API_URL OUT_FILE   registers a fresh shopper; writes its
                                                    {"email", "password"} to OUT_FILE
    python3 accounts.py login API_URL CREDS_FILE     logs in with {"email", "password"};
                                                    prints the account's roles
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid

TIMEOUT_SECS = 30


class AccountError(Exception):
    pass


def _post(api_url: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        api_url.rstrip("/") + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECS) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        raise AccountError(f"POST {path} answered {err.code}: {text[:500]}") from None
    except (urllib.error.URLError, OSError) as err:
        raise AccountError(f"POST {path} failed: {err}") from None


def register_shopper(api_url: str) -> dict:
    """Registers a new shopper and returns its credentials."""
    tag = uuid.uuid4().hex[:12]
    creds = {"email": f"fuzz-{tag}@example.com", "password": f"fuzz-{tag}-pw"}
    _post(api_url, "/v1/customers", {**creds, "name": "Schemathesis fuzzer"})
    return creds


def login(api_url: str, creds: dict) -> tuple[str, list[str]]:
    """Logs in; returns the bearer token and the account's roles."""
    _, body = _post(api_url, "/v1/auth/login", {"email": creds["email"], "password": creds["password"]})
    try:
        return body["token"]["token"], list(body["customer"].get("roles", []))
    except (KeyError, TypeError):
        raise AccountError(f"POST /v1/auth/login answered without token.token: {json.dumps(body)[:500]}") from None


def load_creds(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        creds = json.load(f)
    if not creds.get("email") or not creds.get("password"):
        raise AccountError(f"{path} needs an email and a password")
    return creds


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 4 and argv[1] == "register":
            creds = register_shopper(argv[2])
            with open(argv[3], "w", encoding="utf-8") as f:
                json.dump(creds, f)
            print(creds["email"])
            return 0
        if len(argv) == 4 and argv[1] == "login":
            _, roles = login(argv[2], load_creds(argv[3]))
            print(",".join(roles))
            return 0
    except (AccountError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
