"""Schemathesis hooks for sagaway (loaded by run.sh through SCHEMATHESIS_HOOKS).

Authentication: every operation the OpenAPI document marks as secured gets a bearer token.
The admin-only operations (`PUT /v1/products/{id}`, `PUT /v1/products/{id}/stock`) get the
demo admin's token; all other secured operations get the token of the fresh shopper run.sh
registered. Tokens come from `POST /v1/auth/login`, are cached for 10 minutes (they live 15)
and are fetched again after a 401. Public operations are sent without credentials.

Real resources: almost every generated id is unknown to the API, so the operations on one
order or product would only ever answer 404. When run.sh made fixtures (a product of the
fuzzer's own and an order of it), about half the generated cases of those operations address
them instead, and about half the generated `POST /v1/orders` bodies order that product with
one of the provider's test cards. Everything else in those cases stays as generated.

Settings (environment, set by run.sh):
  SAGAWAY_API_URL             the HTTP API base URL
  SAGAWAY_ADMIN_FILE          {"email", "password"} of an admin
  SAGAWAY_FUZZ_SHOPPER_FILE   {"email", "password"} of a shopper
  SAGAWAY_FUZZ_FIXTURES_FILE  {"product_id", "order_id", "cards"} (optional)
"""

from __future__ import annotations

import json
import os
import sys

import schemathesis
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accounts  # noqa: E402

API_URL = os.environ["SAGAWAY_API_URL"]
ADMIN_FILE = os.environ["SAGAWAY_ADMIN_FILE"]
SHOPPER_FILE = os.environ["SAGAWAY_FUZZ_SHOPPER_FILE"]

# The operations only an admin may call (the API answers 403 to a shopper).
ADMIN_OPERATIONS = {("PUT", "/v1/products/{id}"), ("PUT", "/v1/products/{id}/stock")}

FIXTURES: dict = {}
if os.environ.get("SAGAWAY_FUZZ_FIXTURES_FILE"):
    with open(os.environ["SAGAWAY_FUZZ_FIXTURES_FILE"], encoding="utf-8") as f:
        FIXTURES = json.load(f)

# Tokens live 15 minutes; fetch a new one well before that.
REFRESH_SECS = 600


def _is_secured(ctx) -> bool:
    operation = ctx.operation
    security = operation.definition.raw.get("security")
    if security is None:
        security = operation.schema.raw_schema.get("security")
    # An empty requirement ({}) in the list means "no auth is also fine".
    return bool(security) and all(requirement for requirement in security)


def _is_admin_operation(ctx) -> bool:
    operation = ctx.operation
    return (operation.method.upper(), operation.path) in ADMIN_OPERATIONS


def _needs_shopper(ctx) -> bool:
    return _is_secured(ctx) and not _is_admin_operation(ctx)


def _needs_admin(ctx) -> bool:
    return _is_secured(ctx) and _is_admin_operation(ctx)


class _BearerLogin:
    creds_file: str

    def get(self, case, context):
        token, _ = accounts.login(API_URL, accounts.load_creds(self.creds_file))
        return token

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.auth(refresh_interval=REFRESH_SECS).apply_to(_needs_admin)
class AdminAuth(_BearerLogin):
    creds_file = ADMIN_FILE


@schemathesis.auth(refresh_interval=REFRESH_SECS).apply_to(_needs_shopper)
class ShopperAuth(_BearerLogin):
    creds_file = SHOPPER_FILE


def _real_id(path: str) -> str | None:
    if path.startswith("/v1/orders/{id}"):
        return FIXTURES.get("order_id")
    if path.startswith("/v1/products/{id}"):
        return FIXTURES.get("product_id")
    return None


def _address_fixture(case, real_id: str):
    if isinstance(case.path_parameters, dict) and "id" in case.path_parameters:
        case.path_parameters = {**case.path_parameters, "id": real_id}
    return case


def _order_fixture(case, card: str):
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("lines"), list):
        lines = [
            {**line, "product_id": FIXTURES["product_id"]} if isinstance(line, dict) else line
            for line in body["lines"]
        ]
        case.body = {**body, "lines": lines, "card_number": card}
    return case


@schemathesis.hook
def flatmap_case(context, case):
    operation = context.operation
    real_id = _real_id(operation.path)
    if real_id:
        return st.booleans().map(lambda use: _address_fixture(case, real_id) if use else case)
    if (operation.method.upper(), operation.path) == ("POST", "/v1/orders") and FIXTURES.get("product_id"):
        cards = FIXTURES.get("cards") or ["4242424242424242"]
        return st.one_of(
            st.just(case), st.sampled_from(cards).map(lambda card: _order_fixture(case, card))
        )
    return st.just(case)
