#!/usr/bin/env python3
"""Seed the demo catalog through the public API (PUT /v1/products/{id}); idempotent.

usage: seed.py API_URL [CATALOG_JSON]
"""
import json
import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    api = sys.argv[1].rstrip("/")
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "catalog.json")
    with open(path, encoding="utf-8") as f:
        products = json.load(f)
    for p in products:
        body = {k: v for k, v in p.items() if k != "id"}
        req = urllib.request.Request(
            f"{api}/v1/products/{p['id']}",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
        except urllib.error.HTTPError as e:
            print(f"error: seeding {p['id']} failed: {e.code} {e.read().decode(errors='replace')}", file=sys.stderr)
            return 1
        except urllib.error.URLError as e:
            print(f"error: the API at {api} is not reachable: {e.reason}", file=sys.stderr)
            return 1
    print(f"    seeded {len(products)} products")
    return 0


if __name__ == "__main__":
    sys.exit(main())
