"""Schemathesis against the portal's own OpenAPI schema (``/api/schema``), served by a real
``shopdesk serve`` process on 127.0.0.1 with a real database and a valid API key.

The JSON API must never answer with a server error and must answer as its schema says (status
codes, content types, bodies); every other operation in the schema (the customer pages) must
never answer with a server error. Kept small (a few dozen examples per operation) so the module
takes well under a minute on a loaded two-core machine.
"""

import asyncio
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PG_URL, SHOPDESK, reset_postgres
from tests.test_serve import free_port

pytestmark = pytest.mark.slow

EXAMPLES = 80  # over all operations of a schema together
KNOWN = "1001"  # an order the server has, so some cases reach past "no such order"
ORDER = {
    "number": KNOWN,
    "placed_at": "2026-11-20T10:00:00+01:00",
    "currency": "EUR",
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "country": "DE",
    "items": [{"title": "Stoneware mug", "quantity": 2, "unit_price_minor": 1800}],
}
API_CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """(base URL, API key) of a running ``shopdesk serve`` with one order; its stderr is
    checked for tracebacks when the module is done."""
    home = tmp_path_factory.mktemp("fuzz")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPDESK_")}
    env["SHOPDESK_DATA_DIR"] = str(home / "data")
    if PG_URL:
        asyncio.run(reset_postgres(PG_URL))
        env["SHOPDESK_DATABASE_URL"] = PG_URL
    created = subprocess.run(
        [str(SHOPDESK), "apikey", "create", "fuzz"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    key = next(line for line in created.stdout.splitlines() if line.startswith("sd_"))
    port = free_port()
    log = home / "serve.log"
    with log.open("w") as err:
        server = subprocess.Popen(
            [str(SHOPDESK), "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=home,
            stdout=err,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, log)
        made = httpx.post(
            f"{base}/api/v1/orders",
            json=ORDER,
            timeout=30,
            headers={"Authorization": f"Bearer {key}"},
        )
        assert made.status_code == 201, made.text
        yield base, key
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) in (0, -signal.SIGTERM)
    output = log.read_text()
    assert "Traceback" not in output and "API request failed" not in output, output[-5000:]


def wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the portal did not come up"
            time.sleep(0.1)


def load(base: str):
    return schemathesis.openapi.from_url(f"{base}/api/schema/openapi.json")


def aim_at_the_known_order(case, seen: list[int]) -> None:
    """Every other case about one order is about the order that exists."""
    if "number" in (case.path_parameters or {}):
        seen.append(1)
        if len(seen) % 2:
            case.path_parameters["number"] = KNOWN


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_json_api_keeps_to_its_schema_and_never_fails(portal, mode):
    """Valid requests, and requests that break the schema on purpose (wrong types, missing
    fields, hostile strings): no server error, and every answer as documented."""
    base, key = portal
    seen: list[int] = []
    calls: list[str] = []

    @given(case=load(base).include(path_regex="^/api/v1/").as_strategy(mode))
    @FUZZ
    def run(case) -> None:
        aim_at_the_known_order(case, seen)
        response = case.call_and_validate(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, checks=API_CHECKS, timeout=30
        )
        calls.append(f"{case.method} {response.status_code}")

    run()
    assert any(c.startswith("POST 20") for c in calls) or mode is GenerationMode.NEGATIVE
    assert len({c.split()[0] for c in calls}) >= 3  # GET, POST and PATCH were all tried


def test_customer_pages_never_fail_on_any_input(portal):
    base, _key = portal
    paths: set[str] = set()

    @given(case=load(base).exclude(path_regex="^/api/v1/").as_strategy())
    @FUZZ
    def run(case) -> None:
        case.call_and_validate(base_url=base, checks=[not_a_server_error], timeout=30)
        paths.add(case.operation.path)

    run()
    assert {"/t/{token}", "/r/{token}", "/track"} <= paths


def test_the_schema_documents_the_api_errors_as_they_are(portal):
    """The API answers errors as {"error": ...}; the schema must say so (it used to document
    Litestar's default validation body, which no response had)."""
    base, key = portal
    schema = httpx.get(f"{base}/api/schema/openapi.json", timeout=30).json()
    get_order = schema["paths"]["/api/v1/orders/{number}"]["get"]
    for status in ("400", "401", "404"):
        body = get_order["responses"][status]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("/ErrorOut"), (status, body)
    assert get_order["security"] == [{"bearer": []}]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    missing = httpx.get(
        f"{base}/api/v1/orders/nope", timeout=30, headers={"Authorization": f"Bearer {key}"}
    )
    assert missing.status_code == 404 and set(missing.json()) == {"error"}
