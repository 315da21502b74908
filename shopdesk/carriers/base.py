"""The one interface every carrier API adapter implements, and the HTTP and OAuth plumbing.

An adapter turns tracking numbers into :class:`TrackResult`s (tracking events in the engine's
``NewEvent`` form). It does no scheduling, no budgeting and no database work: the scheduler
does those. It counts every HTTP request it sends (token requests included) in ``sent``, so
the scheduler can keep the carrier's budget.
"""

from __future__ import annotations

import base64
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal

import httpx

from shopdesk.services.shipments import NewEvent

Clock = Callable[[], datetime]
Outcome = Literal["found", "not_found", "invalid"]


@dataclass(frozen=True, slots=True)
class CarrierSettings:
    """One ``[carriers.<name>]`` section. Secrets are never printed (see ``__repr__``)."""

    name: str
    base_url: str = ""
    api_key: str = ""
    client_id: str = ""
    client_secret: str = ""
    budget: int = 0  # requests per window; 0: the adapter's default
    window_seconds: int = 0  # the budget's window; 0: the adapter's own (DHL's is a day)
    enabled: bool = True

    def __repr__(self) -> str:
        return (
            f"CarrierSettings(name={self.name!r}, base_url={self.base_url!r}, "
            f"budget={self.budget}, window_seconds={self.window_seconds}, secrets=***)"
        )


@dataclass(frozen=True, slots=True)
class TrackResult:
    """What a carrier says about one tracking number.

    ``not_found``: a valid number the carrier has no information on yet (a fresh label).
    ``invalid``: the carrier rejects the number itself.
    """

    tracking_number: str
    outcome: Outcome
    events: tuple[NewEvent, ...] = ()
    message: str = ""


class CarrierError(Exception):
    """The carrier's API failed: the whole batch is retried later, with backoff."""


class RateLimited(CarrierError):
    """HTTP 429; ``retry_after`` in seconds when the carrier said."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthFailed(CarrierError):
    """The carrier refused our credentials (401/403)."""


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date), if it says."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def aware(text: str | None, default_offset: timedelta = timedelta(0)) -> datetime | None:
    """An ISO 8601 time; a time without zone is taken at ``default_offset`` (UTC)."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC) - default_offset
    return parsed.astimezone(UTC)


def dig(data: Any, *path: str | int) -> Any:
    """``data[p0][p1]…`` or None when any step is missing or of the wrong type."""
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def items(data: Any, *path: str | int) -> list[Any]:
    """``dig(data, *path)`` when it is a list, else an empty list (carriers send odd things)."""
    found = dig(data, *path)
    return found if isinstance(found, list) else []


def place(*parts: Any) -> str:
    """A location from its non-empty parts."""
    return ", ".join(str(p).strip() for p in parts if p and str(p).strip())


class CarrierAdapter(ABC):
    """One carrier's tracking API. Subclass, set the class attributes, implement ``track``.

    Attributes:
        name: the ``[carriers.<name>]`` section and the code table ``normalise`` uses.
        serves: shipment carrier names (case-insensitive) this adapter tracks.
        default_base_url: production API root; ``base_url`` in config overrides it.
        default_budget: requests per ``window_seconds`` when config does not say.
        batch_size: tracking numbers per ``track`` call (one request, plus a token if needed).
        needs: the config keys that must be set for the adapter to run.
    """

    name: ClassVar[str]
    serves: ClassVar[frozenset[str]]
    default_base_url: ClassVar[str]
    default_budget: ClassVar[int]
    default_window_seconds: ClassVar[int] = 3600
    batch_size: ClassVar[int] = 1
    needs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: CarrierSettings, http: httpx.AsyncClient, clock: Clock) -> None:
        self.config = config
        self.http = http
        self.clock = clock
        self.base_url = (config.base_url or self.default_base_url).rstrip("/")
        self.budget = config.budget or self.default_budget
        self.window = timedelta(seconds=config.window_seconds or self.default_window_seconds)
        self.sent: list[datetime] = []  # times of requests sent; the scheduler drains it

    def cost(self, count: int) -> int:
        """Requests a ``track`` call for ``count`` numbers will send at most."""
        return -(-count // self.batch_size)

    @abstractmethod
    async def track(self, numbers: Sequence[str]) -> list[TrackResult]:
        """Ask the carrier about up to ``batch_size`` numbers.

        Raises:
            CarrierError: the API failed (429, 5xx, network, credentials).
        """

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; 429, 5xx, 401/403 and network errors become CarrierErrors.

        Other statuses (404 included) are the adapter's to read.
        """
        self.sent.append(self.clock())
        try:
            response = await self.http.request(method, f"{self.base_url}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise CarrierError(
                f"{self.name}: cannot reach {self.base_url}: {type(exc).__name__}"
            ) from None
        if response.status_code == 429:
            wait = retry_after(response.headers.get("retry-after"), self.clock())
            raise RateLimited(f"{self.name}: rate limited (HTTP 429)", wait)
        if response.status_code in (401, 403):
            raise AuthFailed(
                f"{self.name}: credentials refused (HTTP {response.status_code}); "
                f"check [carriers.{self.name}] in the config"
            )
        if response.status_code >= 500:
            raise CarrierError(f"{self.name}: server error (HTTP {response.status_code})")
        return response

    def event(
        self,
        number: str,
        when: datetime | None,
        code: str,
        text: str,
        location: str = "",
        estimate: tuple[date | None, date | None] | None = None,
    ) -> NewEvent | None:
        """A NewEvent in this carrier's vocabulary, or None without a usable time."""
        if when is None:
            return None
        return NewEvent(
            tracking_number=number,
            occurred_at=when,
            code=(code or "").strip(),
            description=(text or "").strip(),
            location=location,
            source=f"{self.name}-api",
            carrier=self.name,
            estimate=estimate,
        )


@dataclass(slots=True)
class _Token:
    value: str = ""
    expires: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))


class OAuthAdapter(CarrierAdapter):
    """An adapter whose API takes an OAuth 2 client-credentials bearer token.

    Subclasses set ``token_path`` and, if the carrier wants it, override ``token_request``.
    """

    token_path: ClassVar[str]
    needs = ("client_id", "client_secret")

    def __init__(self, config: CarrierSettings, http: httpx.AsyncClient, clock: Clock) -> None:
        super().__init__(config, http, clock)
        self._token = _Token()

    def cost(self, count: int) -> int:
        fresh = self._token.value and self._token.expires > self.clock()
        return super().cost(count) + (0 if fresh else 1)

    def token_request(self) -> dict[str, Any]:
        """The token request's keyword arguments (default: a form with the client's id)."""
        return {
            "data": {
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            }
        }

    def basic_auth(self) -> str:
        pair = f"{self.config.client_id}:{self.config.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    async def bearer(self) -> dict[str, str]:
        """The Authorization header, fetching a token when there is none or it expired."""
        now = self.clock()
        if not self._token.value or self._token.expires <= now:
            response = await self.request("POST", self.token_path, **self.token_request())
            body = _json(response)
            token = dig(body, "access_token")
            if response.status_code != 200 or not isinstance(token, str):
                raise AuthFailed(
                    f"{self.name}: no access token (HTTP {response.status_code}); "
                    f"check [carriers.{self.name}] client_id and client_secret"
                )
            lifetime = dig(body, "expires_in")
            seconds = int(lifetime) if str(lifetime or "").isdigit() else 3600
            self._token = _Token(token, now + timedelta(seconds=max(60, seconds - 60)))
        return {"Authorization": f"Bearer {self._token.value}"}

    def forget_token(self) -> None:
        self._token = _Token()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


json_body = _json
