"""USPS Tracking API v3: OAuth client credentials (``POST /oauth2/v3/token``), then
``GET /tracking/v3/tracking/{number}?expand=DETAIL``. One number per request; USPS allows about
60 requests an hour per app, so the default budget is 40."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shopdesk.carriers.base import OAuthAdapter, TrackResult, aware, dig, items, json_body, place


class USPS(OAuthAdapter):
    name = "usps"
    serves = frozenset({"usps", "united states postal service"})
    default_base_url = "https://apis.usps.com"
    default_budget = 40
    token_path = "/oauth2/v3/token"

    def token_request(self) -> dict[str, Any]:
        return {
            "json": {
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            }
        }

    async def track(self, numbers: Sequence[str]) -> list[TrackResult]:
        results = []
        for number in numbers:
            response = await self.request(
                "GET",
                f"/tracking/v3/tracking/{number}",
                params={"expand": "DETAIL"},
                headers=await self.bearer(),
            )
            body = json_body(response)
            message = str(dig(body, "error", "message") or "")
            if response.status_code == 404:
                results.append(TrackResult(number, "not_found", message=message))
            elif response.status_code != 200 or not isinstance(body, dict):
                results.append(
                    TrackResult(
                        number, "invalid", message=message or f"HTTP {response.status_code}"
                    )
                )
            else:
                events = [
                    self.event(
                        number,
                        aware(dig(e, "GMTTimestamp")),
                        str(dig(e, "eventCode") or ""),
                        str(dig(e, "eventType") or ""),
                        place(dig(e, "eventCity"), dig(e, "eventState"), dig(e, "eventCountry")),
                    )
                    for e in items(body, "trackingEvents")
                ]
                found = tuple(e for e in events if e)
                results.append(TrackResult(number, "found" if found else "not_found", found))
        return results
