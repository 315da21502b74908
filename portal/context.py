"""What every page template gets: the language, the translator, the shop."""

from __future__ import annotations

from typing import Any

from litestar import Request

from portal.i18n import LOCALES, Translator, catalog, choose
from shopdesk.config import Settings


def page(request: Request, *, order_locale: str | None = None, **extra: Any) -> dict[str, Any]:
    settings: Settings = request.app.state["settings"]
    lang = choose(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        order_locale,
        settings.locale,
    )
    logo = settings.logo if settings.logo.startswith(("https://", "/")) else ""
    return {
        "lang": lang,
        "t": Translator(lang),
        "shop": settings,
        "logo": logo,
        "languages": [(code, catalog(code)["lang_name"]) for code in LOCALES],
        **extra,
    }
