"""Page translations: one JSON catalog per language in ``portal/locales``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = ("en", "de", "fr", "es", "nl")
_DIR = Path(__file__).parent / "locales"


@cache
def catalog(locale: str) -> dict[str, str]:
    english = json.loads((_DIR / "en.json").read_text(encoding="utf-8"))
    if locale == "en" or not (_DIR / f"{locale}.json").exists():
        return english
    return {**english, **json.loads((_DIR / f"{locale}.json").read_text(encoding="utf-8"))}


class Translator:
    """``t("key", name=value)`` in the chosen language, English for anything missing."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LOCALES else "en"
        self.texts = catalog(self.locale)

    def __call__(self, key: str, **values: object) -> str:
        text = self.texts.get(key, key)
        return text.format(**values) if values else text


def choose(query: str | None, accept_language: str | None, *fallbacks: str | None) -> str:
    """The page language: ``?lang=``, then Accept-Language, then the order's, then the shop's."""
    if query and query[:2].lower() in LOCALES:
        return query[:2].lower()
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip()[:2].lower()
        if tag in LOCALES:
            return tag
    return next((f for f in fallbacks if f and f in LOCALES), "en")
