"""A realistic demo shop: orders over the last weeks, parcels with real-looking carrier scans.

Carrier scans are written as carriers write them (in their language) and go through the same
milestone engine as real ones. Histories include failed attempts, pickup points, customs holds,
stalls, returns to sender, split shipments, cancellations and orders not shipped yet.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shopdesk.services.orders import NewItem, NewOrder, create_orders
from shopdesk.services.shipments import NewEvent, add_shipment, record_events

FIRST = (
    "Emma",
    "Liam",
    "Mia",
    "Noah",
    "Sofia",
    "Lukas",
    "Chloé",
    "Daan",
    "Lucía",
    "Jakub",
    "Olivia",
    "Jack",
    "Hannah",
    "Mateo",
    "Zoe",
    "Ben",
    "Léa",
    "Sem",
    "Martina",
    "Zofia",
)
LAST = (
    "Smith",
    "Müller",
    "Martin",
    "de Jong",
    "García",
    "Nowak",
    "Brown",
    "Schmidt",
    "Bernard",
    "Jansen",
    "López",
    "Kowalski",
    "Wilson",
    "Fischer",
    "Dubois",
    "Bakker",
)
PRODUCTS = (
    ("MUG-01", "Stoneware mug, sage", 1800),
    ("TEA-200", "Loose leaf tea, 200 g", 1250),
    ("TOTE-BK", "Canvas tote bag", 2200),
    ("CARD-5", "Letterpress cards, set of 5", 1500),
    ("CNDL-L", "Soy candle, large", 2800),
    ("SOCK-M", "Merino socks, M", 1900),
    ("BOOK-12", "Notebook A5, dotted", 1400),
    ("PLANT-S", "Planter, small", 3200),
)


@dataclass(frozen=True, slots=True)
class Market:
    country: str
    currency: str
    city: str
    postcode: str
    locale: str
    carriers: tuple[str, ...]


MARKETS = (
    Market("US", "USD", "Portland", "97205", "en", ("USPS", "UPS", "FedEx")),
    Market("DE", "EUR", "Leipzig", "04109", "de", ("DHL Paket", "Hermes", "DPD")),
    Market("GB", "GBP", "Bristol", "BS1 4DJ", "en", ("Royal Mail", "Evri")),
    Market("FR", "EUR", "Lyon", "69002", "fr", ("Colissimo", "Chronopost")),
    Market("NL", "EUR", "Utrecht", "3511 AB", "nl", ("PostNL",)),
    Market("ES", "EUR", "Valencia", "46001", "es", ("Correos",)),
    Market("PL", "PLN", "Kraków", "31-001", "en", ("InPost",)),
    Market("CA", "CAD", "Ottawa", "K2P 2L8", "en", ("Canada Post",)),
)

# What carriers write, by language: (step, text). Steps are the demo's own script.
SCANS = {
    "en": {
        "label": "Shipping label created, awaiting item",
        "accepted": "Accepted at origin facility",
        "hub": "Departed sorting facility",
        "arrived": "Arrived at local delivery depot",
        "ofd": "Out for delivery",
        "attempt": "Delivery attempted - no one available to receive the parcel",
        "pickup": "Available for pickup at a post office near you",
        "delivered": "Delivered, left at front door",
        "picked_up": "Delivered - collected from post office",
        "customs": "Held by customs - import documents required",
        "cleared": "Released by customs",
        "return": "Returning to sender: recipient address incomplete",
        "returned": "Delivered to sender",
    },
    "de": {
        "label": "Die Sendung wurde elektronisch angekündigt",
        "accepted": "Die Sendung wurde im Startpaketzentrum bearbeitet",
        "hub": "Die Sendung wurde im Zielpaketzentrum bearbeitet",
        "arrived": "Die Sendung ist in der Zustellbasis eingetroffen",
        "ofd": "Die Sendung wurde in das Zustellfahrzeug geladen",
        "attempt": "Der Empfänger wurde nicht angetroffen. Benachrichtigungskarte hinterlassen",
        "pickup": "Die Sendung liegt in der Filiale zur Abholung bereit",
        "delivered": "Die Sendung wurde erfolgreich zugestellt",
        "picked_up": "Die Sendung wurde in der Filiale abgeholt",
        "customs": "Die Sendung wird vom Zoll geprüft",
        "cleared": "Die Sendung wurde vom Zoll freigegeben",
        "return": "Die Sendung wird an den Absender zurückgeschickt",
        "returned": "Die Sendung wurde an den Absender zurückgegeben",
    },
    "fr": {
        "label": "Votre colis est annoncé mais pas encore pris en charge",
        "accepted": "Votre colis a été pris en charge",
        "hub": "Votre colis est en cours d'acheminement",
        "arrived": "Votre colis est arrivé sur son site de distribution",
        "ofd": "Votre colis est en cours de livraison",
        "attempt": "Votre colis n'a pas pu être livré, destinataire absent",
        "pickup": "Votre colis est disponible dans votre point de retrait",
        "delivered": "Votre colis est livré",
        "picked_up": "Votre colis a été retiré en point de retrait",
        "customs": "Votre colis est retenu en douane",
        "cleared": "Votre colis a été dédouané",
        "return": "Votre colis est retourné à l'expéditeur",
        "returned": "Votre colis a été livré à l'expéditeur",
    },
    "nl": {
        "label": "Zending is aangemeld maar nog niet ontvangen",
        "accepted": "Zending is ontvangen door PostNL",
        "hub": "Zending is gesorteerd",
        "arrived": "Zending is bij de bezorger",
        "ofd": "Zending wordt vandaag bezorgd",
        "attempt": "Zending niet bezorgd, geadresseerde niet thuis",
        "pickup": "Zending ligt klaar bij het PostNL-punt",
        "delivered": "Zending is bezorgd",
        "picked_up": "Zending is opgehaald bij het PostNL-punt",
        "customs": "Zending wordt gecontroleerd door de douane",
        "cleared": "Zending is vrijgegeven door de douane",
        "return": "Zending wordt retour afzender gestuurd",
        "returned": "Zending is retour afzender bezorgd",
    },
    "es": {
        "label": "Pre-registrado",
        "accepted": "Admitido",
        "hub": "En tránsito",
        "arrived": "En la oficina de destino",
        "ofd": "En reparto",
        "attempt": "Entrega fallida - destinatario ausente",
        "pickup": "Disponible para recoger en oficina",
        "delivered": "Entregado",
        "picked_up": "Entregado en oficina",
        "customs": "Retenido en aduana",
        "cleared": "Despachado de aduana",
        "return": "Devuelto al remitente",
        "returned": "Entregado al remitente",
    },
}
# Journeys: the scan steps in order, with a weight.
JOURNEYS = (
    (("label", "accepted", "hub", "arrived", "ofd", "delivered"), 60),
    (("label", "accepted", "hub", "arrived", "ofd", "attempt", "ofd", "delivered"), 8),
    (("label", "accepted", "hub", "arrived", "ofd", "attempt", "pickup", "picked_up"), 6),
    (("label", "accepted", "hub", "arrived", "pickup", "picked_up"), 6),
    (("label", "accepted", "hub", "customs", "cleared", "arrived", "ofd", "delivered"), 5),
    (("label", "accepted", "hub", "customs"), 3),
    (("label", "accepted", "hub"), 4),  # stalls: no scan since
    (("label",), 3),  # label only, never scanned
    (("label", "accepted", "hub", "arrived", "ofd", "attempt", "return", "returned"), 3),
)
CARRIER_LANGUAGE = {
    "DHL Paket": "de",
    "Hermes": "de",
    "DPD": "de",
    "Colissimo": "fr",
    "Chronopost": "fr",
    "PostNL": "nl",
    "Correos": "es",
}


async def seed(
    count: int = 300, *, days: int = 60, seed: int = 7, now: datetime | None = None
) -> dict[str, int]:
    """Seed ``count`` orders placed over the last ``days`` days; returns counts by stage."""
    from shopdesk.db import current_settings
    from shopdesk.notify.watch import watch
    from shopdesk.services.queries import count_by_stage

    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    orders, parcels = [], []
    for i in range(count):
        market = rng.choice(MARKETS)
        placed = now - timedelta(days=days * (1 - (i + rng.random()) / count) ** 1.2)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        items = [
            NewItem(title=t, quantity=rng.choice((1, 1, 1, 2, 3)), unit_price_minor=p, sku=s)
            for s, t, p in rng.sample(PRODUCTS, rng.choice((1, 1, 2, 3)))
        ]
        number = str(1001 + i)
        cancelled = rng.random() < 0.03
        orders.append(
            NewOrder(
                number=number,
                placed_at=placed,
                currency=market.currency,
                items=items,
                email=_ascii(f"{first}.{last}.{number}@example.com".lower().replace(" ", "")),
                name=f"{first} {last}",
                phone="",
                country=market.country,
                postcode=market.postcode,
                city=market.city,
                locale=market.locale,
                source="demo",
                cancelled_at=placed + timedelta(hours=3) if cancelled else None,
            )
        )
        age = now - placed
        if cancelled or age < timedelta(hours=rng.uniform(20, 60)) or rng.random() < 0.04:
            continue  # not shipped (yet): new, cancelled, or late to dispatch
        split = rng.random() < 0.08
        for part in range(2 if split else 1):
            carrier = rng.choice(market.carriers)
            shipped = placed + timedelta(hours=rng.uniform(18, 40) + part * 24)
            parcels.append((number, carrier, _tracking(rng, carrier), shipped))

    await create_orders(orders)
    events = []
    for number, carrier, tracking, shipped in parcels:
        await add_shipment(number, tracking, carrier=carrier, shipped_at=shipped)
        journey = rng.choices([j for j, _ in JOURNEYS], [w for _, w in JOURNEYS])[0]
        words = SCANS[CARRIER_LANGUAGE.get(carrier, "en")]
        moment = shipped - timedelta(hours=2)
        for step in journey:
            if moment > now:
                break
            events.append(
                NewEvent(
                    tracking_number=tracking,
                    order_number=number,
                    occurred_at=moment,
                    description=words[step],
                    carrier=carrier,
                    source="demo",
                    location=rng.choice(("", "Sorting centre", "Local depot")),
                )
            )
            moment += timedelta(hours=rng.uniform(3, 30))
    await record_events(events)
    await watch(current_settings(), now=now)  # stalled, late and unshipped orders show up
    return await count_by_stage()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _tracking(rng: random.Random, carrier: str) -> str:
    digits = "".join(rng.choices("0123456789", k=18))
    prefixes = {
        "UPS": "1Z",
        "PostNL": "3S",
        "Royal Mail": "RM",
        "Colissimo": "6A",
        "InPost": "6",
        "Canada Post": "CP",
        "Correos": "PQ",
    }
    return f"{prefixes.get(carrier, '')}{digits}"[:22]


def describe(counts: dict[str, int]) -> str:
    shown = Counter({k: v for k, v in counts.items() if v})
    return ", ".join(f"{n} {stage.replace('_', ' ')}" for stage, n in shown.most_common())
