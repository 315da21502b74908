"""Carrier adapter health for the CLI and the TUI: plain frozen views, no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopdesk.carriers import ADAPTERS
from shopdesk.carriers.scheduler import _recent, configured
from shopdesk.config import Settings
from shopdesk.models import CarrierHealth
from shopdesk.services.common import utcnow


@dataclass(frozen=True, slots=True)
class CarrierStatus:
    """One carrier API as the owner sees it."""

    name: str
    configured: bool  # enabled, with every credential it needs
    budget: int  # requests per window
    window_seconds: int
    budget_left: int
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    paused_until: datetime | None
    next_poll_at: datetime | None


async def carrier_status(settings: Settings, now: datetime | None = None) -> list[CarrierStatus]:
    """Every carrier named in the config, plus any with stored health, by name."""
    now = now or utcnow()
    ready = {c.name for c in configured(settings)}
    rows = {h.name: h for h in await CarrierHealth.all()}
    out = []
    for name in sorted(set(settings.carriers) | set(rows)):
        adapter = ADAPTERS.get(name)
        if adapter is None:
            continue
        config = settings.carriers.get(name)
        budget = (config.budget if config else 0) or adapter.default_budget
        seconds = (config.window_seconds if config else 0) or adapter.default_window_seconds
        health = rows.get(name)
        from datetime import timedelta

        used = len(_recent(health, now, timedelta(seconds=seconds))) if health else 0
        out.append(
            CarrierStatus(
                name=name,
                configured=name in ready,
                budget=budget,
                window_seconds=seconds,
                budget_left=max(0, budget - used),
                last_success_at=health.last_success_at if health else None,
                last_error_at=health.last_error_at if health else None,
                last_error=health.last_error if health else "",
                paused_until=health.paused_until
                if health and health.paused_until and health.paused_until > now
                else None,
                next_poll_at=health.next_poll_at if health else None,
            )
        )
    return out
