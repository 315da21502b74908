"""What the order dialogs hand back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShipmentForm:
    tracking_number: str
    carrier: str
    service: str = ""


@dataclass(frozen=True, slots=True)
class MilestoneForm:
    tracking_number: str
    milestone: str
    reason: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class CancelForm:
    reason: str = ""
