"""Messages that cross screens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class DataChanged(Message):
    """Other writers changed the shop: the change feed moved past what this session has seen."""

    order_ids: frozenset[int]
    kinds: frozenset[str]
