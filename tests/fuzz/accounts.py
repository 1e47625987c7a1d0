"""The accounts the fuzzer acts as: a fresh shopper and the demo admin.

Standard library only, so `run.sh` can call it with any python3 and `hooks.py` can import it
inside the Schemathesis venv.

    python3 accounts.py register API_URL OUT_FILE   registers a fresh shopper; writes its
                                                    {"email", "password"} to OUT_FILE
    python3 accounts.py login API_URL CREDS_FILE     logs in with {"email", "password"};
                                                    prints the account's roles
    python3 accounts.py fixtures API_URL ADMIN_FILE SHOPPER_FILE OUT_FILE
                                                    creates a product (as the admin) and an
                                                    order of it (as the shopper) for the
                                                    fuzzer to address; writes their ids
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


def _call(
    api_url: str, path: str, body: dict | None, token: str | None = None, method: str = "POST"
) -> tuple[int, dict]:
    headers = {"accept": "application/json"}
    if body is not None:
        headers["content-type"] = "application/json"
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        api_url.rstrip("/") + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECS) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        raise AccountError(f"{method} {path} answered {err.code}: {text[:500]}") from None
    except (urllib.error.URLError, OSError) as err:
        raise AccountError(f"{method} {path} failed: {err}") from None


def register_shopper(api_url: str) -> dict:
    """Registers a new shopper and returns its credentials."""
    tag = uuid.uuid4().hex[:12]
    creds = {"email": f"fuzz-{tag}@example.com", "password": f"fuzz-{tag}-pw"}
    _call(api_url, "/v1/customers", {**creds, "name": "Schemathesis fuzzer"})
    return creds


def login(api_url: str, creds: dict) -> tuple[str, list[str]]:
    """Logs in; returns the bearer token and the account's roles."""
    _, body = _call(api_url, "/v1/auth/login", {"email": creds["email"], "password": creds["password"]})
    try:
        return body["token"]["token"], list(body["customer"].get("roles", []))
    except (KeyError, TypeError):
        raise AccountError(f"POST /v1/auth/login answered without token.token: {json.dumps(body)[:500]}") from None


def create_fixtures(api_url: str, admin: dict, shopper: dict) -> dict:
    """A product of the fuzzer's own (plenty of stock) and one order of it by the shopper.

    The hooks put their ids into some generated requests, so that the operations on one
    product or order also answer with the real thing, not only 404. The order is best
    effort: without it those requests keep their generated ids.
    """
    admin_token, _ = login(api_url, admin)
    shopper_token, _ = login(api_url, shopper)
    product_id = f"fuzz-{uuid.uuid4().hex[:12]}"
    _call(
        api_url,
        f"/v1/products/{product_id}",
        {"name": "Fuzzing product", "description": "made by tests/fuzz", "price_cents": 100, "stock": 1_000_000},
        token=admin_token,
        method="PUT",
    )
    _, cards = _call(api_url, "/v1/payments/test-cards", None, method="GET")
    fixtures = {"product_id": product_id, "order_id": None, "cards": [c["number"] for c in cards["cards"]]}
    try:
        _, accepted = _call(
            api_url,
            "/v1/orders",
            {"card_number": "4242424242424242", "lines": [{"product_id": product_id, "quantity": 1}]},
            token=shopper_token,
        )
        fixtures["order_id"] = accepted["order_id"]
    except (AccountError, KeyError, TypeError) as err:
        print(f"warning: could not place the fuzzing order ({err})", file=sys.stderr)
    return fixtures


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
        if len(argv) == 6 and argv[1] == "fixtures":
            fixtures = create_fixtures(argv[2], load_creds(argv[3]), load_creds(argv[4]))
            with open(argv[5], "w", encoding="utf-8") as f:
                json.dump(fixtures, f)
            print(f"product {fixtures['product_id']}, order {fixtures['order_id'] or '(none)'}")
            return 0
    except (AccountError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
