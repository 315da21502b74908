"""Carrier polling against a fake of the carrier APIs on 127.0.0.1 (recorded responses):
OAuth, found / not found / invalid, 429 with Retry-After, 500, and a simulated day."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shopdesk.carriers.base import CarrierSettings
from shopdesk.carriers.scheduler import Poller
from shopdesk.carriers.status import carrier_status
from shopdesk.models import CarrierHealth, Shipment, ShipmentPoll
from shopdesk.services import orders, shipments
from shopdesk.services.orders import NewItem, NewOrder
from tests.carrier_fake import API_KEY, CLIENT_ID, CLIENT_SECRET, FakeCarriers, payload

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
# The tracking numbers of the recorded samples, by carrier, and what they end at.
SAMPLES = {
    "dhl": ("DHL Express", "7777777770", "label_created"),
    "usps": ("USPS", "9400109104250532908587", "delivered"),
    "ups": ("UPS", "1Z1442YY7229014688", "delivered"),
    "fedex": ("FedEx", "738488882438", "delivered"),
}


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def carriers_config(url: str, **budgets: int) -> dict[str, CarrierSettings]:
    found = {}
    for name in SAMPLES:
        secrets = (
            {"api_key": API_KEY}
            if name == "dhl"
            else {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        )
        found[name] = CarrierSettings(
            name=name, base_url=url, budget=budgets.get(name, 0), **secrets
        )
    return found


async def add_parcels(parcels: list[tuple[str, str]], prefix: str = "10") -> None:
    new = [
        NewOrder(
            number=f"{prefix}{i:03}",
            placed_at=START - timedelta(days=1),
            currency="USD",
            items=[NewItem("Mug", 1, 1800)],
            email=None,
            country="US",
        )
        for i in range(len(parcels))
    ]
    await orders.create_orders(new)
    for order, (carrier, number) in zip(new, parcels, strict=True):
        await shipments.add_shipment(
            order.number, number, carrier=carrier, shipped_at=START - timedelta(hours=20)
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock):
    with FakeCarriers(clock) as server:
        yield server


async def test_each_adapter_reads_its_recorded_response(db, clock, fake):
    await add_parcels([(carrier, number) for carrier, number, _ in SAMPLES.values()])
    settings = replace(db, carriers=carriers_config(fake.url))
    async with Poller(settings, clock=clock) as poller:
        reports = {r.carrier: r for r in await poller.run_once()}
        for name, (_, number, milestone) in SAMPLES.items():
            shipment = await Shipment.get(tracking_number=number)
            assert (shipment.milestone, reports[name].outcomes) == (milestone, {number: "found"}), (
                name
            )
            assert reports[name].recorded >= 1 and not reports[name].error
        usps = await Shipment.get(tracking_number=SAMPLES["usps"][1])
        assert usps.delivered_at == datetime(2024, 11, 22, 18, 58, 40, tzinfo=UTC)
        assert fake.tokens_issued == 3  # USPS, UPS and FedEx; DHL takes an API key
        # Its last scan is years old: stalled, so asked again only after 12 hours.
        clock.advance(hours=11, minutes=59)
        assert {r.carrier: r.due for r in await poller.run_once()}["dhl"] == 0
        clock.advance(minutes=1)
        again = {r.carrier: r for r in await poller.run_once()}
    assert again["dhl"].polled == 1 and again["dhl"].recorded == 0  # the same answer again
    assert again["usps"].due == 0  # delivered: never polled again


@pytest.mark.parametrize(
    ("carrier", "status", "body", "outcome"),
    [
        ("dhl", 404, "dhl_unified_tracking_error_404.json", "not_found"),
        ("usps", 404, "usps_v3_tracking_error.json", "not_found"),
        ("ups", 200, "ups_track_v1_not_found.json", "not_found"),
        ("ups", 400, "ups_track_v1_invalid_number.json", "invalid"),
        ("fedex", 400, "fedex_track_error.json", "invalid"),
    ],
)
async def test_not_found_yet_is_kept_apart_from_invalid(
    db, clock, fake, carrier, status, body, outcome
):
    name, number, _ = SAMPLES[carrier]
    await add_parcels([(name, number)])
    fake.script[number] = [(status, {}, payload(body))] * 2
    settings = replace(db, carriers={carrier: carriers_config(fake.url)[carrier]})
    async with Poller(settings, clock=clock) as poller:
        [report] = await poller.run_once()
        assert report.outcomes == {number: outcome} and not report.error
        poll = await ShipmentPoll.get(shipment__tracking_number=number)
        health = await CarrierHealth.get(name=carrier)
        assert health.last_error == "" and health.last_success_at == START
        shipment = await Shipment.get(tracking_number=number)
        assert shipment.milestone == "label_created"
        if outcome == "not_found":  # asked again soon, then less and less often
            assert (poll.outcome, poll.misses, shipment.next_poll_at) == (
                "not_found",
                1,
                START + timedelta(hours=1),
            )
            clock.advance(hours=1)
            await poller.run_once()
            poll = await ShipmentPoll.get(id=poll.id)
            shipment = await Shipment.get(id=shipment.id)
            assert (poll.misses, shipment.next_poll_at) == (2, clock.now + timedelta(hours=2))
        else:
            assert shipment.next_poll_at == START + timedelta(days=1)


async def test_fedex_not_found_inside_a_complete_result(db, clock, fake):
    number = SAMPLES["fedex"][1]
    await add_parcels([("FedEx", number)])
    body = {
        "output": {
            "completeTrackResults": [
                {
                    "trackingNumber": number,
                    "trackResults": [
                        {
                            "trackingNumberInfo": {"trackingNumber": number},
                            "error": {
                                "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                                "message": "Tracking number cannot be found.",
                            },
                        }
                    ],
                }
            ]
        }
    }
    fake.script[number] = [(200, {}, body)]
    settings = replace(db, carriers={"fedex": carriers_config(fake.url)["fedex"]})
    async with Poller(settings, clock=clock) as poller:
        [report] = await poller.run_once()
    assert report.outcomes == {number: "not_found"}


async def test_429_pauses_for_retry_after_and_500_backs_off(db, clock, fake):
    dhl_name, dhl_number, _ = SAMPLES["dhl"]
    usps_name, usps_number, _ = SAMPLES["usps"]
    await add_parcels([(dhl_name, dhl_number), (usps_name, usps_number)])
    fake.script[dhl_number] = [(429, {"Retry-After": "600"}, {"title": "Too Many Requests"})]
    fake.script[usps_number] = [(500, {}, {"error": "boom"})] * 2
    settings = replace(db, carriers=carriers_config(fake.url))
    async with Poller(settings, clock=clock) as poller:
        reports = {r.carrier: r for r in await poller.run_once()}
        assert "429" in reports["dhl"].error and "HTTP 500" in reports["usps"].error
        status = {s.name: s for s in await carrier_status(settings, clock.now)}
        assert status["dhl"].paused_until == START + timedelta(seconds=600)
        assert status["usps"].paused_until == START + timedelta(minutes=1)
        assert status["dhl"].budget_left == 249 and status["usps"].budget_left == 38
        asked = len(fake.requests)
        clock.advance(seconds=59)
        await poller.run_once()
        assert len(fake.requests) == asked  # both paused: nothing sent
        clock.advance(seconds=1)
        reports = {r.carrier: r for r in await poller.run_once()}
        assert "HTTP 500" in reports["usps"].error and reports["dhl"].polled == 0
        health = await CarrierHealth.get(name="usps")
        assert health.failures == 2 and health.paused_until == clock.now + timedelta(minutes=2)
        clock.advance(minutes=10)
        reports = {r.carrier: r for r in await poller.run_once()}
    assert reports["dhl"].outcomes == {dhl_number: "found"}
    assert reports["usps"].outcomes == {usps_number: "found"}
    assert (await Shipment.get(tracking_number=usps_number)).milestone == "delivered"
    status = {s.name: s for s in await carrier_status(settings, clock.now)}
    assert status["usps"].paused_until is None and status["usps"].last_success_at == clock.now
    assert "HTTP 500" in status["usps"].last_error  # the last error stays visible


async def test_wrong_credentials_are_an_error_and_never_leak(db, clock, fake):
    await add_parcels([("UPS", SAMPLES["ups"][1])])
    config = replace(carriers_config(fake.url)["ups"], client_secret="wrong-Secret-42")
    settings = replace(db, carriers={"ups": config})
    async with Poller(settings, clock=clock) as poller:
        [report] = await poller.run_once()
    assert "credentials refused (HTTP 401); check [carriers.ups]" in report.error
    status = await carrier_status(settings, clock.now)
    assert "wrong-Secret-42" not in repr(status) + repr(config) + report.error
    assert status[0].paused_until == START + timedelta(minutes=15)


def stage_times(i: int, start: datetime) -> dict[str, datetime]:
    """A parcel's day: label early, moving by mid-morning, out for delivery, delivered."""
    return {
        "label": start,
        "transit": start + timedelta(hours=2, minutes=7 * i),
        "ofd": start + timedelta(hours=9, minutes=5 * i),
        "delivered": start + timedelta(hours=12, minutes=5 * i),
    }


async def test_a_simulated_day_stays_within_every_budget(db, clock, fake):
    """Sixty USPS parcels (budget 40 an hour) and ten each for DHL, UPS and FedEx move from
    label to delivered over a day; the poller runs every ten minutes."""
    counts = {"usps": 60, "dhl": 10, "ups": 10, "fedex": 10}
    numbers = {
        "usps": [f"94001{i:017}" for i in range(60)],
        "dhl": [f"JJD{i:012}" for i in range(10)],
        "ups": [f"1ZSIM{i:013}" for i in range(10)],
        "fedex": [f"7700000{i:05}" for i in range(10)],
    }
    names = {"usps": "USPS", "dhl": "DHL Paket", "ups": "UPS", "fedex": "FedEx"}
    await add_parcels([(names[c], n) for c in counts for n in numbers[c]], prefix="5")
    for carrier in counts:
        for i, number in enumerate(numbers[carrier]):
            fake.timeline[number] = stage_times(i, START)
    settings = replace(db, carriers=carriers_config(fake.url))
    async with Poller(settings, clock=clock) as poller:
        while clock.now < START + timedelta(days=1):
            await poller.run_once()
            clock.advance(minutes=10)
    for carrier, adapter in poller.adapters.items():
        times = sorted(t for c, _, t in fake.requests if c == carrier)
        busiest = max(sum(1 for u in times if t - adapter.window < u <= t) for t in times)
        assert busiest <= adapter.budget, carrier
        # No number was asked about after its delivery had been answered.
        for number in numbers[carrier]:
            served = fake.delivered_served[number]
            assert not [t for c, n, t in fake.requests if n == number and t > served], number
    assert await Shipment.filter(milestone="delivered").count() == 90
    # Sixty were due at once: the first hour spent the whole budget (token included), no more.
    first_hour = [t for c, _, t in fake.requests if c == "usps" and t < START + timedelta(hours=1)]
    assert len(first_hour) == 40
    tokens = fake.count("usps", "token")  # a token lives an hour: at most one an hour
    assert 0 < tokens <= 25 and tokens * 10 < fake.count("usps") - tokens
    # Out for delivery was polled more often than in transit (adaptive), within budget.
    ofd_polls = sum(
        1
        for c, n, t in fake.requests
        if n == numbers["ups"][0]
        and stage_times(0, START)["ofd"] <= t < stage_times(0, START)["delivered"]
    )
    transit_polls = sum(
        1
        for c, n, t in fake.requests
        if n == numbers["ups"][0]
        and stage_times(0, START)["transit"] <= t < stage_times(0, START)["ofd"]
    )
    assert ofd_polls / 3 > transit_polls / 7
    health = json.loads((await CarrierHealth.get(name="usps")).recent)
    assert len(health) <= 40


@pytest.mark.parametrize(
    ("carrier", "status", "body"),
    [
        ("dhl", 200, b"<html>maintenance</html>"),
        ("usps", 200, b"\xff\xfe not json"),
        ("dhl", 200, {"shipments": "none"}),
        ("dhl", 200, {"shipments": [{"events": [{"timestamp": "yesterday"}, 7, None]}]}),
        ("usps", 200, ["not", "an", "object"]),
        ("usps", 200, {"trackingEvents": {"eventCode": "01"}}),
        ("ups", 200, {"response": {"errors": {"code": "TV1002"}}}),
        (
            "ups",
            200,
            {
                "trackResponse": {
                    "shipment": [
                        {"package": [{"activity": [{"status": "D", "date": "2026-13-45"}]}]}
                    ]
                }
            },
        ),
        ("fedex", 200, {"output": {"completeTrackResults": {"trackingNumber": "x"}}}),
        (
            "fedex",
            200,
            {
                "output": {
                    "completeTrackResults": [
                        {
                            "trackingNumber": "738488882438",
                            "trackResults": [{"scanEvents": [{"date": None}]}],
                        }
                    ]
                }
            },
        ),
    ],
)
async def test_odd_answers_change_nothing_and_break_nothing(db, clock, fake, carrier, status, body):
    name, number, _ = SAMPLES[carrier]
    await add_parcels([(name, number)])
    fake.script[number] = [(status, {}, body)]
    settings = replace(db, carriers={carrier: carriers_config(fake.url)[carrier]})
    async with Poller(settings, clock=clock) as poller:
        [report] = await poller.run_once()
    assert report.polled == 1 and report.recorded == 0
    assert report.outcomes[number] in ("not_found", "invalid", "found")
    assert (await Shipment.get(tracking_number=number)).milestone == "label_created"


async def test_an_event_years_ahead_is_rejected_alone(db, clock, fake):
    """One parcel's impossible scan is refused; the other parcels of the batch are kept."""
    good, bad = "738488882438", "776094337676"
    await add_parcels([("FedEx", good), ("FedEx", bad)])
    sample = payload("fedex_track_response_delivered_ground.json")
    far = json.loads(json.dumps(sample["output"]["completeTrackResults"][0]))
    far["trackingNumber"] = bad
    far["trackResults"][0]["scanEvents"] = [
        far["trackResults"][0]["scanEvents"][0] | {"date": "2031-01-01T10:00:00Z"}
    ]
    sample["output"]["completeTrackResults"].append(far)
    fake.script[good] = [(200, {}, sample)]
    settings = replace(db, carriers={"fedex": carriers_config(fake.url)["fedex"]})
    async with Poller(settings, clock=clock) as poller:
        [report] = await poller.run_once()
    assert report.recorded > 0 and report.rejected and bad in report.rejected[0]
    assert (await Shipment.get(tracking_number=good)).milestone == "delivered"
    assert (await Shipment.get(tracking_number=bad)).milestone == "label_created"


async def test_two_pollers_at_once_share_one_budget(db, clock, fake):
    """Two processes (serve and a cron run) polling the same carrier at the same instant:
    one takes the carrier's lease, the other sends nothing; a dead holder's lease lapses."""
    numbers = [f"94001{i:017}" for i in range(10)]
    await add_parcels([("USPS", n) for n in numbers])
    settings = replace(db, carriers={"usps": carriers_config(fake.url, usps=5)["usps"]})
    async with Poller(settings, clock=clock) as one, Poller(settings, clock=clock) as two:
        reports = await asyncio.gather(one.run_once(), two.run_once())
        polled = sorted(r[0].polled for r in reports)
        assert polled == [0, 4] and fake.count("usps") == 5  # 4 numbers + 1 token = budget
        assert any("another process" in r[0].error for r in reports)
        clock.advance(hours=1, seconds=1)
        await CarrierHealth.filter(name="usps").update(
            leased_until=clock.now + timedelta(minutes=5)
        )  # held by a process that then died
        assert (await one.run_once())[0].polled == 0
        clock.advance(minutes=5)
        assert (await two.run_once())[0].polled == 4


async def test_a_budget_without_window_counts_over_the_adapters_own_window(
    db, clock, fake, tmp_path
):
    """``[carriers.dhl]`` without ``window_seconds``: DHL's budget is per day, not per hour."""
    from shopdesk.config import load_settings

    config = tmp_path / "carriers.toml"
    config.write_text(
        f'[carriers.dhl]\napi_key = "{API_KEY}"\nbase_url = "{fake.url}"\nbudget = 2\n'
        f'[carriers.usps]\nclient_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
        f'base_url = "{fake.url}"\n'
    )
    settings = replace(db, carriers=load_settings(config, tmp_path).carriers)
    numbers = [f"JJD{i:012}" for i in range(3)]
    await add_parcels([("DHL Paket", n) for n in numbers])
    for number in numbers:
        fake.timeline[number] = stage_times(0, START)
    async with Poller(settings, clock=clock) as poller:
        assert poller.adapters["dhl"].window == timedelta(days=1)
        assert poller.adapters["usps"].window == timedelta(hours=1)
        for _ in range(12):  # every two hours for a day: the two requests of the day, no more
            await poller.run_once()
            clock.advance(hours=2)
        assert fake.count("dhl") == 2
        await poller.run_once()  # a day after the first requests the budget is back
    assert fake.count("dhl") == 4
    status = {s.name: s for s in await carrier_status(settings, clock.now)}
    assert status["dhl"].window_seconds == 86400 and status["dhl"].budget_left == 0


class RowsRead:
    """Counts the rows the database hands back from the shipment tables (real queries)."""

    def __init__(self, monkeypatch) -> None:
        from tortoise import connections

        self.rows = 0
        client = type(connections.get("default"))
        for name in ("execute_query", "execute_query_dict"):
            monkeypatch.setattr(client, name, self._counting(getattr(client, name)))

    def _counting(self, method):
        async def counted(client, sql, values=None):
            result = await method(client, sql, values)
            rows = result[1] if isinstance(result, tuple) else result
            if sql.lstrip().upper().startswith("SELECT") and '"shipment' in sql:
                self.rows += len(rows)
            return result

        return counted


async def test_a_quiet_round_reads_only_what_is_due(db, clock, fake, monkeypatch):
    """Forty parcels on their way, all polled a moment ago: the next round reads (at most) the
    one row that says when the next poll is due, not forty."""
    numbers = [f"94001{i:017}" for i in range(40)]
    await add_parcels([("USPS", n) for n in numbers])
    for i, number in enumerate(numbers):
        fake.timeline[number] = stage_times(i, START - timedelta(hours=3))
    settings = replace(db, carriers={"usps": carriers_config(fake.url, usps=100)["usps"]})
    async with Poller(settings, clock=clock) as poller:
        [first] = await poller.run_once()
        assert first.polled == 40
        asked = len(fake.requests)
        clock.advance(minutes=10)
        counter = RowsRead(monkeypatch)
        [quiet] = await poller.run_once()
        assert (quiet.due, quiet.polled, len(fake.requests)) == (0, 0, asked)
        assert counter.rows <= 1
        clock.advance(hours=3)  # those in transit are due again after three hours
        counter.rows = 0
        [busy] = await poller.run_once()
    assert busy.polled > 0 and counter.rows >= busy.polled  # the counter does count


async def test_finished_parcels_are_looked_at_daily_and_dropped_after_60_days(db, clock, fake):
    name, number, _ = SAMPLES["usps"]
    await add_parcels([(name, number), ("USPS", "9400100000000000000001")])
    await Shipment.all().update(created_at=START - timedelta(hours=20))
    fresh_label = [(404, {}, payload("usps_v3_tracking_error.json"))] * 10
    fake.script["9400100000000000000001"] = fresh_label
    settings = replace(db, carriers={"usps": carriers_config(fake.url)["usps"]})
    async with Poller(settings, clock=clock) as poller:
        await poller.run_once()
        shipment = await Shipment.get(tracking_number=number)
        assert shipment.milestone == "delivered"
        assert shipment.next_poll_at == START + timedelta(days=1)
        asked = fake.count("usps", number)
        clock.advance(days=1)
        await poller.run_once()  # looked at, not asked about
        assert fake.count("usps", number) == asked
        assert (await Shipment.get(id=shipment.id)).next_poll_at == clock.now + timedelta(days=1)
        # A webhook says it is going back to the sender: polled again at the next look.
        await shipments.record_event(
            shipments.NewEvent(number, clock.now, "returning_to_sender", description="Refused")
        )
        clock.advance(days=1)
        await poller.run_once()
        assert fake.count("usps", number) == asked + 1
        # Cancelling the other parcel's order takes it off the schedule at its next look.
        other = await Shipment.get(tracking_number="9400100000000000000001").prefetch_related(
            "order"
        )
        await orders.cancel_order(other.order.number)
        clock.advance(days=1)
        await poller.run_once()
        assert (await Shipment.get(id=other.id)).next_poll_at is None
        clock.advance(days=58)  # 60 days after it was added: off the schedule for good
        await poller.run_once()
        assert (await Shipment.get(id=shipment.id)).next_poll_at is None
        before = fake.count("usps")
        clock.advance(days=1)
        [report] = await poller.run_once()
    assert report.due == 0 and fake.count("usps") == before
