"""UPS Track API v1: OAuth client credentials (``POST /security/v1/oauth/token`` with HTTP
Basic auth), then ``GET /api/track/v1/details/{number}``. One number per request."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from shopdesk.carriers.base import OAuthAdapter, TrackResult, dig, items, json_body, place

# UPS warning and error codes that mean "we know nothing of this number (yet)".
_NOT_FOUND = {"TW0001", "TW0002"}
_INVALID = {"TV1002"}


class UPS(OAuthAdapter):
    name = "ups"
    serves = frozenset({"ups", "united parcel service"})
    default_base_url = "https://onlinetools.ups.com"
    default_budget = 200
    token_path = "/security/v1/oauth/token"

    def token_request(self) -> dict[str, Any]:
        return {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": self.basic_auth()},
        }

    async def track(self, numbers: Sequence[str]) -> list[TrackResult]:
        results = []
        for number in numbers:
            headers = await self.bearer() | {"transId": uuid4().hex, "transactionSrc": "shopdesk"}
            response = await self.request("GET", f"/api/track/v1/details/{number}", headers=headers)
            body = json_body(response)
            problems = items(body, "response", "errors") + items(
                body, "trackResponse", "shipment", 0, "warnings"
            )
            codes = {str(dig(p, "code")) for p in problems}
            message = "; ".join(str(dig(p, "message")) for p in problems)
            if codes & _INVALID:
                results.append(TrackResult(number, "invalid", message=message))
                continue
            packages = [
                p for s in items(body, "trackResponse", "shipment") for p in items(s, "package")
            ]
            if response.status_code == 404 or codes & _NOT_FOUND or not packages:
                results.append(
                    TrackResult(
                        number, "not_found", message=message or f"HTTP {response.status_code}"
                    )
                )
                continue
            events = []
            for package in packages:
                for activity in items(package, "activity"):
                    status = dig(activity, "status") or {}
                    address = dig(activity, "location", "address") or {}
                    event = self.event(
                        number,
                        _when(activity),
                        str(dig(status, "type") or ""),
                        str(dig(status, "description") or ""),
                        place(
                            dig(address, "city"),
                            dig(address, "stateProvince"),
                            dig(address, "countryCode"),
                        ),
                    )
                    if event:
                        events.append(event)
            results.append(TrackResult(number, "found", tuple(events)))
        return results


def _when(activity: dict) -> datetime | None:
    """The activity's time: GMT fields when present, else the local date and time as UTC."""
    day = dig(activity, "gmtDate") or dig(activity, "date")
    clock = dig(activity, "gmtTime") or dig(activity, "time") or "000000"
    try:
        return datetime.strptime(
            f"{day}{str(clock).replace(':', '')[:6]:0<6}", "%Y%m%d%H%M%S"
        ).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None
