"""Carrier API adapters: one file per carrier, each one class behind :class:`CarrierAdapter`.

To add a carrier, write ``shopdesk/carriers/<name>.py`` with a subclass of ``CarrierAdapter``
(or ``OAuthAdapter``) and add it to ``ADAPTERS`` below.
"""

from __future__ import annotations

from shopdesk.carriers.base import CarrierAdapter
from shopdesk.carriers.dhl import DHL
from shopdesk.carriers.fedex import FedEx
from shopdesk.carriers.ups import UPS
from shopdesk.carriers.usps import USPS

ADAPTERS: dict[str, type[CarrierAdapter]] = {a.name: a for a in (DHL, USPS, UPS, FedEx)}

__all__ = ["ADAPTERS", "CarrierAdapter"]
