"""DHL Shipment Tracking - Unified API: ``GET /track/shipments?trackingNumber=…`` with the
``DHL-API-Key`` header. One number per request; the default plan allows 250 requests a day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shopdesk.carriers.base import CarrierAdapter, TrackResult, aware, dig, items, json_body, place


class DHL(CarrierAdapter):
    name = "dhl"
    serves = frozenset(
        {"dhl", "dhl express", "dhl paket", "dhl parcel", "dhl ecommerce", "deutsche post"}
    )
    default_base_url = "https://api-eu.dhl.com"
    default_budget = 250
    default_window_seconds = 86400
    needs = ("api_key",)

    async def track(self, numbers: Sequence[str]) -> list[TrackResult]:
        results = []
        for number in numbers:
            response = await self.request(
                "GET",
                "/track/shipments",
                params={"trackingNumber": number},
                headers={"DHL-API-Key": self.config.api_key, "Accept": "application/json"},
            )
            body = json_body(response)
            if response.status_code == 404:
                results.append(
                    TrackResult(
                        number, "not_found", message=str(dig(body, "detail") or "no shipment found")
                    )
                )
                continue
            if response.status_code != 200 or not isinstance(dig(body, "shipments"), list):
                results.append(
                    TrackResult(
                        number,
                        "invalid",
                        message=str(dig(body, "detail") or f"HTTP {response.status_code}"),
                    )
                )
                continue
            results.append(TrackResult(number, "found", tuple(self._events(number, body))))
        return results

    def _events(self, number: str, body: dict) -> list:
        events = []
        for shipment in body["shipments"]:
            estimate = _estimate(shipment)
            for raw in items(shipment, "events"):
                address = dig(raw, "location", "address") or {}
                text = " ".join(
                    str(p)
                    for p in (dig(raw, "status"), dig(raw, "description"))
                    if p and p != dig(raw, "statusCode")
                )
                event = self.event(
                    number,
                    aware(dig(raw, "timestamp")),
                    str(dig(raw, "statusCode") or ""),
                    text,
                    place(dig(address, "addressLocality"), dig(address, "countryCode")),
                    estimate,
                )
                if event:
                    events.append(event)
        return events


def _estimate(shipment: dict) -> tuple[date | None, date | None] | None:
    frame = dig(shipment, "estimatedDeliveryTimeFrame") or {}
    start = aware(dig(frame, "estimatedFrom") or dig(shipment, "estimatedTimeOfDelivery"))
    end = aware(dig(frame, "estimatedThrough") or dig(shipment, "estimatedTimeOfDelivery"))
    if start is None and end is None:
        return None
    return (start.date() if start else None, end.date() if end else None)
