"""``/api/v1``: the JSON API for shop systems. Every request needs ``Authorization: Bearer
<key>`` (``shopdesk apikey create NAME``); every error is ``{"error": "..."}`` as JSON.

The app must leave ``/api`` out of CSRF (clients send no cookies) and keep its body limit.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, Router, get, patch, post
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import SecurityRequirement
from litestar.params import FromPath, JSONBody
from tortoise.exceptions import IntegrityError

from portal.schemas import (
    ErrorOut,
    EventsIn,
    EventsResult,
    OrderIn,
    OrderPatch,
    OrderStatus,
    ShipmentIn,
    order_status,
)
from shopdesk.errors import Conflict, InvalidInput, NotFound
from shopdesk.services import apikeys, orders, queries, shipments
from shopdesk.services.apikeys import ApiKeyView
from shopdesk.services.orders import NewItem, NewOrder
from shopdesk.services.shipments import NewEvent

log = logging.getLogger("shopdesk.api")
SOURCE = "api"
SECURITY: list[SecurityRequirement] = [{"bearer": []}]  # the scheme is declared in create_app


def _errors(*codes: int) -> dict[int, ResponseSpec]:
    """The error answers a handler really gives, as the schema documents them: every one is
    ``{"error": "..."}`` (not Litestar's default validation body)."""
    described = {
        400: "The request is malformed or a value is out of range",
        401: "No API key, or an unknown or revoked one",
        404: "No such order",
        409: "Clashes with what is stored",
        413: "The request body is too large",
    }
    return {
        code: ResponseSpec(ErrorOut, description=described[code])
        for code in (400, 401, 413, *codes)
    }


# --- auth -------------------------------------------------------------------------------


async def require_key(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: a valid, unrevoked API key as a Bearer token."""
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("send an API key as 'Authorization: Bearer <key>'")
    key = await apikeys.authenticate(token)
    if key is None:
        raise NotAuthorizedException("the API key is unknown or revoked")
    connection.state.api_key = key


def key_of(request: Request) -> ApiKeyView:
    return request.state.api_key


# --- errors -----------------------------------------------------------------------------


def _error(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        ErrorOut(message), status_code=status, headers=headers, media_type="application/json"
    )


def _http_error(_: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotAuthorizedException):
        return _error(exc.detail, 401, {"WWW-Authenticate": "Bearer"})
    message = exc.detail
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        problems = []
        for problem in exc.extra[:5]:
            if isinstance(problem, dict):
                key = problem.get("key")
                text = str(problem.get("message", ""))
                problems.append(f"{key}: {text}" if key else text)
        message = "; ".join(p for p in problems if p) or "the request body is not valid"
    return _error(str(message)[:1000], exc.status_code)


def _unexpected(_: Request, exc: Exception) -> Response:
    log.error("API request failed", exc_info=exc)
    return _error("internal error", 500)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    InvalidInput: lambda _, exc: _error(str(exc), 400),
    NotFound: lambda _, exc: _error(str(exc), 404),
    Conflict: lambda _, exc: _error(str(exc), 409),  # AlreadyExists too
    IntegrityError: lambda _, exc: _error(
        "that clashes with a stored record (an external_id used twice?)", 409
    ),
    NotFoundException: _http_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}


# --- handlers ---------------------------------------------------------------------------


async def _status(request: Request, number: str) -> OrderStatus:
    return order_status(await queries.order_view(request.app.state["settings"], number))


@post("/orders", status_code=201, summary="Create an order", responses=_errors(409))
async def create_order(request: Request, data: JSONBody[OrderIn]) -> OrderStatus:
    number = await orders.create_order(
        NewOrder(
            number=data.number,
            placed_at=data.placed_at,
            currency=data.currency,
            items=[
                NewItem(
                    title=i.title,
                    quantity=i.quantity,
                    unit_price_minor=i.unit_price_minor,
                    sku=i.sku,
                )
                for i in data.items
            ],
            email=data.email,
            name=data.name,
            phone=data.phone,
            country=data.country,
            postcode=data.postcode,
            city=data.city,
            locale=data.locale or None,
            source=SOURCE,
            external_id=data.external_id or None,
        )
    )
    return await _status(request, number)


@get("/orders/{number:str}", summary="An order's status", responses=_errors(404))
async def get_order(request: Request, number: FromPath[str]) -> OrderStatus:
    return await _status(request, number)


@patch(
    "/orders/{number:str}", summary="Cancel an order and/or add a note", responses=_errors(404, 409)
)
async def update_order(
    request: Request, number: FromPath[str], data: JSONBody[OrderPatch]
) -> OrderStatus:
    if data.cancelled is False:
        raise InvalidInput("a cancelled order cannot be un-cancelled")
    if not data.cancelled and data.note is None:
        raise InvalidInput('nothing to change: send {"cancelled": true} or {"note": "..."}')
    if data.note is not None and not data.note.strip():
        raise InvalidInput("a note must have 1 to 10,000 characters")
    if data.cancelled:
        await orders.cancel_order(number, data.reason)
    if data.note is not None:
        await orders.add_note(number, data.note, author=f"api:{key_of(request).name}"[:64])
    return await _status(request, number)


@post(
    "/orders/{number:str}/shipments",
    status_code=201,
    summary="Add a parcel to an order",
    responses=_errors(404, 409),
)
async def add_shipment(
    request: Request, number: FromPath[str], data: JSONBody[ShipmentIn]
) -> OrderStatus:
    await shipments.add_shipment(
        number,
        data.tracking_number,
        carrier=data.carrier,
        service=data.service,
        shipped_at=data.shipped_at,
    )
    return await _status(request, number)


@post(
    "/events",
    status_code=200,
    summary="Record tracking events (one, or a batch)",
    responses=_errors(404, 409),
)
async def record_events(data: JSONBody[EventsIn]) -> EventsResult:
    if data.events is not None:
        if data.tracking_number is not None or data.occurred_at is not None:
            raise InvalidInput('send either one event or {"events": [...]}, not both')
        given: list[Any] = list(data.events)
    else:
        if data.tracking_number is None or data.occurred_at is None:
            raise InvalidInput("an event needs tracking_number and occurred_at")
        given = [data]
    result = await shipments.record_events(
        [
            NewEvent(
                tracking_number=e.tracking_number,
                occurred_at=e.occurred_at,
                milestone=e.milestone or None,
                reason=e.reason or None,
                code=e.code,
                description=e.description,
                location=e.location,
                source=SOURCE,
                carrier=e.carrier or None,
                order_number=e.order_number or None,
                event_id=e.event_id or None,
            )
            for e in given
        ]
    )
    return EventsResult(result.recorded, result.duplicates, result.unknown)


api_router = Router(
    path="/api/v1",
    route_handlers=[create_order, get_order, update_order, add_shipment, record_events],
    guards=[require_key],
    security=SECURITY,
    exception_handlers=EXCEPTION_HANDLERS,
    tags=["api"],
)
