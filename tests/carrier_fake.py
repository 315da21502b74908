"""A fake of the four carrier APIs on 127.0.0.1: a real HTTP server (in a thread) answering
with the recorded responses in ../shared/data/payloads.

OAuth token exchanges check the client credentials the way each carrier takes them. By
default a number is answered with the carrier's recorded sample (its tracking number swapped
in); ``timeline`` re-times the sample's own events (label, in transit, out for delivery,
delivered) along a simulated clock; ``script`` forces a status (404, 429, 500) for a number.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import PAYLOADS

CLIENT_ID, CLIENT_SECRET, API_KEY = "shop-client", "s3cret-Value", "dhl-key-123"
STAGES = ("label", "transit", "ofd", "delivered")


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


class FakeCarriers:
    """Start with ``with FakeCarriers(clock) as fake``; ``fake.url`` is the base URL."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.requests: list[tuple[str, str, datetime]] = []  # (carrier, number or "token", t)
        self.script: dict[str, list[tuple[int, dict[str, str], Any]]] = {}
        self.timeline: dict[str, dict[str, datetime]] = {}  # number -> stage -> time
        self.delivered_served: dict[str, datetime] = {}
        self.tokens_issued = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, data = fake.handle(self.command, self.path, self.headers, body)
                raw = data if isinstance(data, bytes) else json.dumps(data).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeCarriers:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, carrier: str, kind: str | None = None) -> int:
        return sum(1 for c, k, _ in self.requests if c == carrier and (kind is None or k == kind))

    # ---- routing ------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: bytes):
        url = urlsplit(path)
        now = self.clock()
        if url.path in ("/oauth2/v3/token", "/security/v1/oauth/token", "/oauth/token"):
            carrier = {
                "/oauth2/v3/token": "usps",
                "/security/v1/oauth/token": "ups",
                "/oauth/token": "fedex",
            }[url.path]
            with self._lock:
                self.requests.append((carrier, "token", now))
            return self._token(carrier, headers, body)
        if url.path == "/track/shipments":
            carrier, numbers = "dhl", parse_qs(url.query).get("trackingNumber", [""])
            if headers.get("DHL-API-Key") != API_KEY:
                return 401, {}, {"title": "Unauthorized", "status": 401}
        elif url.path.startswith("/tracking/v3/tracking/"):
            carrier, numbers = "usps", [url.path.rsplit("/", 1)[1]]
        elif url.path.startswith("/api/track/v1/details/"):
            carrier, numbers = "ups", [url.path.rsplit("/", 1)[1]]
        elif url.path == "/track/v1/trackingnumbers":
            carrier = "fedex"
            numbers = [
                i["trackingNumberInfo"]["trackingNumber"] for i in json.loads(body)["trackingInfo"]
            ]
        else:
            return 404, {}, {"error": f"no route {url.path}"}
        if carrier != "dhl" and headers.get("Authorization") != "Bearer token-" + carrier:
            return 401, {}, {"error": "bad token"}
        with self._lock:
            self.requests.extend((carrier, n, now) for n in numbers)
        scripted = self.script.get(numbers[0])
        if scripted:
            return scripted.pop(0)
        return 200, {}, getattr(self, f"_{carrier}")(numbers, now)

    def _token(self, carrier: str, headers: Any, body: bytes):
        if carrier == "usps":
            sent = json.loads(body or b"{}")
            ok = (sent.get("client_id"), sent.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
        elif carrier == "ups":
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            ok = (
                headers.get("Authorization") == f"Basic {expected}"
                and b"grant_type=client_credentials" in body
            )
        else:
            form = parse_qs(body.decode())
            ok = form.get("client_id") == [CLIENT_ID] and form.get("client_secret") == [
                CLIENT_SECRET
            ]
        if not ok:
            return 401, {}, {"error": "invalid_client"}
        self.tokens_issued += 1
        return (
            200,
            {},
            {"access_token": f"token-{carrier}", "token_type": "Bearer", "expires_in": 3599},
        )

    # ---- responses built from the recorded samples -----------------------------------------

    def _revealed(self, number: str, now: datetime) -> list[tuple[str, datetime]] | None:
        stages = self.timeline.get(number)
        if stages is None:
            return None
        shown = sorted(((s, t) for s, t in stages.items() if t <= now), key=lambda x: x[1])
        if any(s == "delivered" for s, _ in shown):
            self.delivered_served.setdefault(number, now)
        return shown

    def _usps(self, numbers: list[str], now: datetime) -> Any:
        data = payload("usps_v3_tracking_response.json")
        data["trackingNumber"] = numbers[0]
        shown = self._revealed(numbers[0], now)
        if shown is not None:
            pick = {e["eventCode"]: e for e in data["trackingEvents"]}
            codes = {"label": "GX", "transit": "A1", "ofd": "OF", "delivered": "01"}
            data["trackingEvents"] = [
                copy.deepcopy(pick[codes[s]]) | {"GMTTimestamp": t.isoformat()}
                for s, t in reversed(shown)
            ]
        return data

    def _fedex(self, numbers: list[str], now: datetime) -> Any:
        sample = payload("fedex_track_response_delivered_ground.json")
        template = sample["output"]["completeTrackResults"][0]
        results = []
        for number in numbers:
            complete = copy.deepcopy(template)
            complete["trackingNumber"] = number
            result = complete["trackResults"][0]
            result["trackingNumberInfo"]["trackingNumber"] = number
            shown = self._revealed(number, now)
            if shown is not None:
                pick = {e["eventType"]: e for e in reversed(result["scanEvents"])}
                codes = {"label": "OC", "transit": "AR", "ofd": "OD", "delivered": "DL"}
                result["scanEvents"] = [
                    copy.deepcopy(pick[codes[s]]) | {"date": t.isoformat()}
                    for s, t in reversed(shown)
                ]
            results.append(complete)
        sample["output"]["completeTrackResults"] = results
        return sample

    def _ups(self, numbers: list[str], now: datetime) -> Any:
        data = payload("ups_track_v1_response_postman_sample.json")
        package = data["trackResponse"]["shipment"][0]["package"][0]
        data["trackResponse"]["shipment"][0]["inquiryNumber"] = numbers[0]
        package["trackingNumber"] = numbers[0]
        shown = self._revealed(numbers[0], now)
        if shown is not None:
            delivered, label = package["activity"]
            # The sample has a label and a delivery scan; the two steps between take their
            # shape from them (UPS status types I and O).
            transit = copy.deepcopy(label) | {
                "status": {"type": "I", "description": "Arrived at Facility", "code": "AR"}
            }
            ofd = copy.deepcopy(label) | {
                "status": {"type": "O", "description": "Out For Delivery Today", "code": "OT"}
            }
            by_stage = {"label": label, "transit": transit, "ofd": ofd, "delivered": delivered}
            package["activity"] = [
                copy.deepcopy(by_stage[s])
                | {"date": t.strftime("%Y%m%d"), "time": t.strftime("%H%M%S")}
                for s, t in reversed(shown)
            ]
        return data

    def _dhl(self, numbers: list[str], now: datetime) -> Any:
        data = payload("dhl_unified_tracking_response.json")
        shipment = data["shipments"][0]
        shipment["id"] = numbers[0]
        shown = self._revealed(numbers[0], now)
        if shown is not None:
            event = shipment["events"][0]
            codes = {
                "label": ("pre-transit", "Shipment information received"),
                "transit": ("transit", "Arrived at the parcel center"),
                "ofd": ("transit", "Out for delivery"),
                "delivered": ("delivered", "Delivered"),
            }
            shipment["events"] = [
                copy.deepcopy(event)
                | {
                    "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S"),
                    "statusCode": codes[s][0],
                    "status": codes[s][1],
                    "description": codes[s][1],
                    "remark": None,
                }
                for s, t in reversed(shown)
            ]
        return data
