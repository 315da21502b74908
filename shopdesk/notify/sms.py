"""SMS arithmetic: GSM-7 vs UCS-2 and how many segments a text takes.

A text that uses only the GSM 03.38 alphabet goes as GSM-7: 160 septets in one message, 153 per
segment when concatenated (the rest is the concatenation header). Extension-table characters
(``€[]{}|^~\\`` and form feed) take two septets, an escape plus the character, and are never split
across segments. Any other character forces UCS-2 (really UTF-16): 70 code units in one message,
67 per segment; a character outside the Basic Multilingual Plane (most emoji) takes two units
and is never split either.
"""

from __future__ import annotations

import unicodedata

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "is_gsm7", "segments", "to_gsm7"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7 = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units

# Typography with a plain GSM-7 look-alike (accented letters are handled by decomposition).
_LOOKALIKES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u00d7": "x",
    "\u0153": "oe",
    "\u0152": "OE",
}


def is_gsm7(text: str) -> bool:
    """Whether ``text`` can go as GSM-7 (basic set plus extension table)."""
    return all(char in _GSM7 for char in text)


def segments(text: str) -> int:
    """How many SMS segments ``text`` needs.

    Args:
        text: The message as it will be sent.

    Returns:
        0 for an empty text, 1 if it fits a single message, else the number of concatenated
        segments (153 septets or 67 UTF-16 units each, multi-unit characters never split).
    """
    if not text:
        return 0
    if is_gsm7(text):
        weights = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        weights = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part = UCS2_SINGLE, UCS2_PART
    if sum(weights) <= single:
        return 1
    count, used = 1, 0
    for weight in weights:
        if used + weight > part:
            count, used = count + 1, 0
        used += weight
    return count


def to_gsm7(text: str) -> str:
    """``text`` with characters outside GSM-7 replaced by a GSM-7 look-alike where one exists.

    Accents GSM-7 lacks are dropped (``á`` → ``a``, ``ç`` → ``c``), typographic dashes and quotes
    become ASCII; anything else (emoji, other scripts) is kept, so the text may still need UCS-2.
    """
    if is_gsm7(text):
        return text
    return "".join(_fold(char) for char in text)


def _fold(char: str) -> str:
    if char in _GSM7:
        return char
    if char in _LOOKALIKES:
        return _LOOKALIKES[char]
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else char
