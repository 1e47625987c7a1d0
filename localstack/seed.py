#!/usr/bin/env python3
"""Create the demo admin and seed the demo catalog on the local stack; idempotent.

usage: seed.py API_URL AWS_ENDPOINT CUSTOMER_FUNCTION CREDENTIALS_FILE [CATALOG_JSON]

1. The admin account: email admin@sagaway.local, a random password generated once and kept
   in CREDENTIALS_FILE (under .local/, never in the repo). It is created (or reset) through
   the customer function's internal route /internal/admins, invoked directly through the
   emulator's Lambda API, as the worker calls internal routes. Local emulator only: the call
   is not signed.
2. Logs in as that admin and PUTs every product of the catalog through the public API.
"""
import json
import os
import secrets
import sys
import urllib.error
import urllib.request

ADMIN_EMAIL = "admin@sagaway.local"


def request(method, url, body=None, headers=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except urllib.error.URLError as e:
        sys.exit(f"error: {url} is not reachable: {e.reason}")


def invoke_internal(endpoint, function, method, path, body):
    """Invoke a function's internal route with an API Gateway v2 event (see shared/invoke.rs)."""
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "internal",
            "apiId": "internal",
            "domainName": "internal",
            "domainPrefix": "internal",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "sagaway-seed"},
            "requestId": "seed",
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": 0,
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
    url = f"{endpoint}/2015-03-31/functions/{function}/invocations"
    status, reply = request("POST", url, event)
    if status != 200 or not isinstance(reply, dict) or "statusCode" not in reply:
        sys.exit(f"error: invoking {function} {path} failed: {status} {reply}")
    return reply["statusCode"], json.loads(reply.get("body") or "null")


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    api, endpoint, function, cred_file = (a.rstrip("/") for a in sys.argv[1:5])
    catalog = sys.argv[5] if len(sys.argv) > 5 else os.path.join(os.path.dirname(__file__), "catalog.json")

    if os.path.exists(cred_file):
        with open(cred_file, encoding="utf-8") as f:
            creds = json.load(f)
    else:
        creds = {"email": ADMIN_EMAIL, "password": secrets.token_urlsafe(18)}
        os.makedirs(os.path.dirname(cred_file), exist_ok=True)
        with open(os.open(cred_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
            json.dump(creds, f)

    status, body = invoke_internal(endpoint, function, "POST", "/internal/admins",
                                   {"email": creds["email"], "password": creds["password"], "name": "Demo Admin"})
    if status != 200:
        sys.exit(f"error: creating the demo admin failed: {status} {body}")
    print(f"    admin account {creds['email']} ready")

    status, body = request("POST", f"{api}/v1/auth/login", {"email": creds["email"], "password": creds["password"]})
    if status != 200:
        sys.exit(f"error: the demo admin cannot log in: {status} {body}")
    auth = {"authorization": f"Bearer {body['token']['token']}"}

    with open(catalog, encoding="utf-8") as f:
        products = json.load(f)
    for p in products:
        fields = {k: v for k, v in p.items() if k != "id"}
        status, body = request("PUT", f"{api}/v1/products/{p['id']}", fields, auth)
        if status != 200:
            sys.exit(f"error: seeding {p['id']} failed: {status} {body}")
    print(f"    seeded {len(products)} products")
    return 0


if __name__ == "__main__":
    sys.exit(main())
