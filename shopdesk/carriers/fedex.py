"""FedEx Track API v1: OAuth client credentials (``POST /oauth/token``), then
``POST /track/v1/trackingnumbers`` with up to 30 numbers per request."""

from __future__ import annotations

from collections.abc import Sequence

from shopdesk.carriers.base import OAuthAdapter, TrackResult, aware, dig, items, json_body, place

_NOT_FOUND = ("NOTFOUND", "NOT.FOUND")


class FedEx(OAuthAdapter):
    name = "fedex"
    serves = frozenset({"fedex", "fedex ground", "fedex express", "fedex smartpost"})
    default_base_url = "https://apis.fedex.com"
    default_budget = 200
    batch_size = 30
    token_path = "/oauth/token"

    async def track(self, numbers: Sequence[str]) -> list[TrackResult]:
        payload = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers],
        }
        response = await self.request(
            "POST", "/track/v1/trackingnumbers", json=payload, headers=await self.bearer()
        )
        body = json_body(response)
        by_number = {
            str(dig(r, "trackingNumber")): r for r in items(body, "output", "completeTrackResults")
        }
        results = []
        for number in numbers:
            complete = by_number.get(number)
            if complete is None:
                errors = items(body, "errors")
                message = "; ".join(str(dig(e, "message")) for e in errors)
                outcome = "invalid" if response.status_code == 400 else "not_found"
                results.append(
                    TrackResult(number, outcome, message=message or f"HTTP {response.status_code}")
                )
                continue
            events, problems = [], []
            for result in items(complete, "trackResults"):
                if error := dig(result, "error"):
                    problems.append(error)
                    continue
                for scan in items(result, "scanEvents"):
                    location = dig(scan, "scanLocation") or {}
                    event = self.event(
                        number,
                        aware(dig(scan, "date")),
                        str(dig(scan, "eventType") or ""),
                        str(dig(scan, "eventDescription") or ""),
                        place(
                            dig(location, "city"),
                            dig(location, "stateOrProvinceCode"),
                            dig(location, "countryCode"),
                        ),
                    )
                    if event:
                        events.append(event)
            if events:
                results.append(TrackResult(number, "found", tuple(events)))
                continue
            codes = " ".join(str(dig(p, "code")) for p in problems)
            message = "; ".join(str(dig(p, "message")) for p in problems)
            invalid = "INVALID" in codes and not any(k in codes for k in _NOT_FOUND)
            results.append(
                TrackResult(number, "invalid" if invalid else "not_found", message=message)
            )
        return results
