"""API keys: shown once, stored hashed, revoked at once, used-at kept cheaply."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from shopdesk.errors import AlreadyExists, InvalidInput, NotFound
from shopdesk.models import ApiKey, Change
from shopdesk.services import apikeys


async def test_create_shows_the_key_once_and_stores_only_its_hash(db):
    view, plaintext = await apikeys.create_key("  Shopify   sync ")
    assert plaintext.startswith("sd_") and len(plaintext) == 3 + 43
    assert view.name == "Shopify sync" and view.prefix == plaintext[:8]
    assert view.active and view.last_used_at is None
    stored = await ApiKey.get(id=view.id)
    assert stored.hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in (stored.name, stored.prefix, stored.hash)
    assert await Change.filter(kind="api_key", order_id=None).count() == 1
    _, other = await apikeys.create_key("Portal")
    assert other != plaintext and other[:8] != plaintext[:8]


async def test_names_are_checked(db):
    for bad, message in (
        ("  ", "give the key a name"),
        ("x" * 101, "at most 100"),
        ("a\x00b", "control characters"),
    ):
        with pytest.raises(InvalidInput, match=message):
            await apikeys.create_key(bad)
    await apikeys.create_key("Portal")
    with pytest.raises(AlreadyExists, match="'Portal'"):
        await apikeys.create_key("Portal")
    await apikeys.revoke((await apikeys.list_keys())[0].prefix)
    await apikeys.create_key("Portal")  # the old one is revoked: the name is free again


async def test_authenticate(db):
    view, plaintext = await apikeys.create_key("Portal")
    found = await apikeys.authenticate(plaintext)
    assert found is not None and found.id == view.id and found.last_used_at is not None
    for wrong in (
        "",
        "sd_",
        plaintext[:-1],
        plaintext + "x",
        plaintext[:8] + "A" * 43,
        "Bearer " + plaintext,
        plaintext.upper(),
        "sd_" + "x" * 200,
        None,
        42,
    ):
        assert await apikeys.authenticate(wrong) is None


async def test_last_used_is_written_at_most_once_a_minute(db):
    _, plaintext = await apikeys.create_key("Portal")
    t0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert (await apikeys.authenticate(plaintext, now=t0)).last_used_at == t0
    later = await apikeys.authenticate(plaintext, now=t0 + timedelta(seconds=59))
    assert later.last_used_at == t0
    assert (await ApiKey.get(prefix=plaintext[:8])).last_used_at == t0
    minute = t0 + timedelta(seconds=60)
    assert (await apikeys.authenticate(plaintext, now=minute)).last_used_at == minute
    assert (await ApiKey.get(prefix=plaintext[:8])).last_used_at == minute


async def test_revoke_by_prefix_or_id_stops_the_key_at_once(db):
    first, first_key = await apikeys.create_key("Old")
    second, second_key = await apikeys.create_key("New")
    revoked = await apikeys.revoke(first.prefix)
    assert not revoked.active and revoked.revoked_at is not None
    assert await apikeys.authenticate(first_key) is None
    assert await apikeys.authenticate(second_key) is not None
    assert await apikeys.revoke(first.prefix) == revoked  # twice: harmless
    assert not (await apikeys.revoke(str(second.id))).active
    assert await apikeys.authenticate(second_key) is None
    assert [k.name for k in await apikeys.list_keys()] == ["New", "Old"]
    assert await apikeys.list_keys(include_revoked=False) == []
    for unknown in ("sd_nope0", "12345", 999, "", "x"):
        with pytest.raises(NotFound, match="no API key"):
            await apikeys.revoke(unknown)
    assert await Change.filter(kind="api_key").count() == 4


async def test_a_pasted_whole_key_revokes_it_too(db):
    _, plaintext = await apikeys.create_key("Portal")
    assert not (await apikeys.revoke(plaintext)).active
