"""Order imports: Shopify's order export and shopdesk's generic CSV.

Both have one row per line item; rows with the same order number form one order. An order with
any bad row is not imported (its lines are reported), so nothing half-imported is left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tortoise.transactions import in_transaction

from shopdesk.config import Settings
from shopdesk.errors import InvalidInput, ShopdeskError
from shopdesk.importers.csvfile import ImportReport, Row, mark_raw, open_csv, progress, store_raw
from shopdesk.parsing import parse_time, to_minor
from shopdesk.services.common import normalise_number
from shopdesk.services.orders import NewItem, NewOrder, check_order, create_orders

GENERIC_COLUMNS = (
    "order_number",
    "placed_at",
    "email",
    "phone",
    "name",
    "country",
    "postcode",
    "city",
    "currency",
    "sku",
    "title",
    "quantity",
    "unit_price",
)
SHOPIFY_REQUIRED = (
    "Name",
    "Created at",
    "Currency",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Columns:
    """Where a format keeps each value: column names, first non-empty wins."""

    number: tuple[str, ...]
    placed_at: tuple[str, ...]
    currency: tuple[str, ...]
    email: tuple[str, ...]
    phone: tuple[str, ...]
    name: tuple[str, ...]
    country: tuple[str, ...]
    postcode: tuple[str, ...]
    city: tuple[str, ...]
    sku: tuple[str, ...]
    title: tuple[str, ...]
    quantity: tuple[str, ...]
    unit_price: tuple[str, ...]
    total: tuple[str, ...] = ()
    external_id: tuple[str, ...] = ()
    cancelled_at: tuple[str, ...] = ()


FORMATS = {
    "generic": Columns(
        number=("order_number",),
        placed_at=("placed_at",),
        currency=("currency",),
        email=("email",),
        phone=("phone",),
        name=("name",),
        country=("country",),
        postcode=("postcode",),
        city=("city",),
        sku=("sku",),
        title=("title",),
        quantity=("quantity",),
        unit_price=("unit_price",),
    ),
    "shopify": Columns(
        number=("Name",),
        placed_at=("Created at",),
        currency=("Currency",),
        email=("Email",),
        phone=("Shipping Phone", "Phone", "Billing Phone"),
        name=("Shipping Name", "Billing Name"),
        country=("Shipping Country", "Billing Country"),
        postcode=("Shipping Zip", "Billing Zip"),
        city=("Shipping City", "Billing City"),
        sku=("Lineitem sku",),
        title=("Lineitem name",),
        quantity=("Lineitem quantity",),
        unit_price=("Lineitem price",),
        total=("Total",),
        external_id=("Id",),
        cancelled_at=("Cancelled at",),
    ),
}
REQUIRED = {"generic": GENERIC_COLUMNS, "shopify": SHOPIFY_REQUIRED}


def detect_format(header: list[str]) -> str:
    return "shopify" if "Lineitem name" in header else "generic"


async def import_orders(settings: Settings, path: Path, fmt: str | None = None) -> ImportReport:
    """Import an order CSV; see the module docstring.

    Raises:
        InvalidInput: the file as a whole is unusable (encoding, header, size).
    """
    if fmt is None:
        fmt = detect_format(open_csv(path, ()).header)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use shopify or generic")
    csv_file = open_csv(path, REQUIRED[fmt])
    columns, source = FORMATS[fmt], f"csv:{fmt}"
    report = ImportReport(warnings=list(csv_file.warnings))
    groups: dict[str, list[Row]] = {}
    unnumbered: dict[int, tuple[Row, str]] = {}
    for row in csv_file.rows():
        report.rows += 1
        if isinstance(row, tuple):
            report.errors.append(row)
            continue
        raw_number = _first(row, columns.number)
        try:
            number = normalise_number(raw_number)
        except InvalidInput as exc:
            report.errors.append((row.line, str(exc)))
            unnumbered[row.line] = (row, str(exc))
            continue
        groups.setdefault(number, []).append(row)

    advance, done = progress(len(groups), f"Importing {path.name}")
    try:
        numbers = list(groups)
        for start in range(0, len(numbers), BATCH):
            chunk = {n: groups[n] for n in numbers[start : start + BATCH]}
            await _import_chunk(
                settings, path, source, columns, chunk, report, {} if start else unnumbered
            )
            advance(len(chunk))
        if not numbers and unnumbered:
            await _import_chunk(settings, path, source, columns, {}, report, unnumbered)
    finally:
        done()
    report.errors.sort()
    return report


async def _import_chunk(
    settings: Settings,
    path: Path,
    source: str,
    columns: Columns,
    groups: dict[str, list[Row]],
    report: ImportReport,
    unnumbered: dict[int, tuple[Row, str]],
) -> None:
    rows = [row for group in groups.values() for row in group]
    rows += [row for row, _ in unnumbered.values()]
    async with in_transaction():
        raw = await store_raw(source, path, rows)
        outcomes = {line: reason for line, (_, reason) in unnumbered.items()}
        valid: list[NewOrder] = []
        for number, group in groups.items():
            try:
                valid.append(check_order(_order(settings, number, group, columns, source)))
                outcomes.update({row.line: "" for row in group})
            except _RowError as exc:
                report.errors.append((exc.line, f"order {number}: {exc.reason}"))
                outcomes.update({row.line: f"order {number}: {exc.reason}" for row in group})
            except ShopdeskError as exc:
                report.errors.append((group[0].line, f"order {number}: {exc}"))
                outcomes.update({row.line: f"order {number}: {exc}" for row in group})
        created, existing = await create_orders(valid)
        report.created += len(created)
        report.existing += len(existing)
        await mark_raw(raw, outcomes)


class _RowError(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def _first(row: Row, names: tuple[str, ...]) -> str:
    for name in names:
        value = row.values.get(name, "").strip()
        if value:
            return value
    return ""


def _order(
    settings: Settings, number: str, group: list[Row], columns: Columns, source: str
) -> NewOrder:
    """Build one order from its rows; order-level values come from the first row having them.

    Raises:
        _RowError: the first bad value, with the line it is on.
    """

    def value(names: tuple[str, ...]) -> str:
        return next((v for row in group if (v := _first(row, names))), "")

    try:
        currency = value(columns.currency) or _missing("currency")
        placed_at = parse_time(value(columns.placed_at) or _missing("order date"), settings.zone)
        total, cancelled = value(columns.total), value(columns.cancelled_at)
        order = NewOrder(
            number=number,
            placed_at=placed_at,
            currency=currency,
            email=value(columns.email) or None,
            phone=value(columns.phone),
            name=value(columns.name),
            country=value(columns.country),
            postcode=value(columns.postcode),
            city=value(columns.city),
            source=source,
            external_id=value(columns.external_id) or None,
            total_minor=to_minor(total, currency) if total else None,
            cancelled_at=parse_time(cancelled, settings.zone) if cancelled else None,
        )
    except InvalidInput as exc:
        raise _RowError(group[0].line, str(exc)) from None
    items = []
    for row in group:
        try:
            items.append(
                NewItem(
                    title=_first(row, columns.title) or _missing("item title"),
                    quantity=_quantity(_first(row, columns.quantity)),
                    unit_price_minor=to_minor(
                        _first(row, columns.unit_price) or _missing("price"), currency
                    ),
                    sku=_first(row, columns.sku),
                )
            )
        except InvalidInput as exc:
            raise _RowError(row.line, str(exc)) from None
    return replace(order, items=items)


def _missing(what: str) -> str:
    raise InvalidInput(f"no {what}")


def _quantity(text: str) -> int:
    if not text.strip().lstrip("-").isdigit():
        raise InvalidInput(f"quantity {text!r} is not a whole number")
    value = int(text)
    if value <= 0:
        raise InvalidInput(f"quantity {value} must be at least 1")
    return value
