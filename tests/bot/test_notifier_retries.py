"""The delivery ledger over time: held posts, backoff, a sender that stopped, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.notifier import (
    ABANDONED,
    ABANDONED_AFTER,
    MAX_ATTEMPTS,
    DeliveryFailed,
    Pace,
    backoff,
    queue_direct,
)
from bot.reply import Reply
from storage.models import AuditEvent, Delivery, DeliveryStatus, Identity, Member
from tests.support import TestBot, make_settings


class FlakyPoster:
    """A platform that refuses the first posts it is given, then takes the rest."""

    platform = "console"

    def __init__(self, *failures: DeliveryFailed) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[str, str]] = []

    async def post(self, channel_id: str, reply: Reply) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((channel_id, reply.text))
        return f"m{len(self.sent)}"

    async def direct(self, user_id: str, reply: Reply) -> str:
        return await self.post(f"@{user_id}", reply)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        raise AssertionError("nothing here is live")


async def queue(bot: TestBot, *keys: str, channel: str = "boston", **extra: object) -> None:
    async with bot.uow() as uow:
        for key in keys:
            uow.deliver(
                Delivery(
                    key=key,
                    platform="console",
                    channel_id=channel,
                    reply=Reply.public(f"post {key}").to_json(),
                    created_at=uow.now,
                    **extra,
                )
            )
        await uow.commit()


async def row(bot: TestBot, key: str) -> Delivery:
    async with bot.uow() as uow:
        found = await uow.session.scalar(select(Delivery).where(Delivery.key == key))
        assert found is not None
        return found


def test_backoff_doubles_from_thirty_seconds_up_to_fifteen_minutes() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 8)] == [
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]
    assert backoff(10_000) == timedelta(minutes=15)


async def test_a_transient_failure_is_held_with_backoff_then_sent(bot: TestBot) -> None:
    poster = FlakyPoster(DeliveryFailed("console: 503 try later", permanent=False))
    bot.app.notifier.add_poster(poster)
    await queue(bot, "a")
    assert await bot.app.notifier.send_all() == 0
    held = await row(bot, "a")
    assert held.status is DeliveryStatus.PENDING and held.attempts == 1
    assert held.error == "console: 503 try later"
    assert held.not_before == bot.clock.now() + timedelta(seconds=30)

    bot.clock.advance(timedelta(seconds=29))
    assert await bot.app.notifier.send_all() == 0  # not yet: nothing is retried early
    assert poster.sent == []
    bot.clock.advance(timedelta(seconds=1))
    assert await bot.app.notifier.send_all() == 1
    done = await row(bot, "a")
    assert done.status is DeliveryStatus.SENT and done.attempts == 2 and done.error is None
    assert poster.sent == [("boston", "post a")]


async def test_retry_after_from_the_platform_outlasts_the_backoff(bot: TestBot) -> None:
    bot.app.notifier.add_poster(
        FlakyPoster(DeliveryFailed("rate limited", permanent=False, retry_after=120))
    )
    await queue(bot, "a")
    await bot.app.notifier.send_all()
    assert (await row(bot, "a")).not_before == bot.clock.now() + timedelta(seconds=120)


async def test_a_delivery_gives_up_after_max_attempts(bot: TestBot) -> None:
    failures = [DeliveryFailed(f"timeout {n}", permanent=False) for n in range(MAX_ATTEMPTS)]
    poster = FlakyPoster(*failures)
    bot.app.notifier.add_poster(poster)
    await queue(bot, "a")
    for _ in range(MAX_ATTEMPTS):
        await bot.app.notifier.send_all()
        bot.clock.advance(timedelta(minutes=15))
    failed = await row(bot, "a")
    assert failed.status is DeliveryStatus.FAILED and failed.attempts == MAX_ATTEMPTS
    assert failed.error == f"timeout {MAX_ATTEMPTS - 1}"
    await bot.app.notifier.send_all()
    assert poster.sent == []  # a failed delivery stays failed


async def test_a_post_held_until_later_is_not_claimed_before_then(bot: TestBot) -> None:
    poster = FlakyPoster()
    bot.app.notifier.add_poster(poster)
    later = bot.clock.now() + timedelta(hours=3)
    await queue(bot, "later", not_before=later)
    await queue(bot, "now")
    await bot.app.notifier.send_all()
    assert poster.sent == [("boston", "post now")]
    assert (await row(bot, "later")).status is DeliveryStatus.PENDING
    bot.clock.set(later)
    await bot.app.notifier.send_all()
    assert poster.sent[-1] == ("boston", "post later")


async def test_a_post_left_mid_send_by_a_stopped_sender_is_failed_not_resent(
    bot: TestBot,
) -> None:
    """A claim without an outcome: the post may or may not have reached the platform.

    Resending could post it twice; the documented choice is to fail it with a reason
    that says so, and to write one audit line HQ can see. A claim that is recent
    (a sender still at work) is left alone.
    """
    await queue(bot, "crashed", "busy", "waiting")
    async with bot.uow() as uow:
        await uow.session.execute(
            update(Delivery)
            .where(Delivery.key.in_(["crashed", "busy"]))
            .values(status=DeliveryStatus.SENDING, attempts=1, claimed_at=uow.now)
        )
        await uow.commit()
    bot.clock.advance(ABANDONED_AFTER - timedelta(minutes=1))
    async with bot.uow() as uow:  # another sender claimed "busy" a minute ago
        await uow.session.execute(
            update(Delivery).where(Delivery.key == "busy").values(claimed_at=uow.now)
        )
        await uow.commit()
    bot.clock.advance(timedelta(minutes=1, seconds=1))
    poster = FlakyPoster()
    bot.app.notifier.add_poster(poster)
    assert await bot.app.notifier.send_all() == 1

    crashed = await row(bot, "crashed")
    assert crashed.status is DeliveryStatus.FAILED and crashed.error == ABANDONED
    assert "may have arrived" in ABANDONED and "not resent" in ABANDONED
    assert (await row(bot, "busy")).status is DeliveryStatus.SENDING
    assert poster.sent == [("boston", "post waiting")]
    async with bot.uow() as uow:
        audits = list(
            await uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "delivery.abandoned")
            )
        )
    assert len(audits) == 1 and "crashed" in audits[0].summary and "busy" not in audits[0].summary
    bot.clock.advance(timedelta(minutes=5))
    await bot.app.notifier.send_all()
    assert poster.sent == [("boston", "post waiting")]  # never resent later either


async def test_each_channel_gets_its_posts_in_order_while_channels_go_side_by_side(
    bot: TestBot,
) -> None:
    poster = FlakyPoster()
    bot.app.notifier.add_poster(poster, Pace(per_channel=1000.0, overall=1000.0))
    async with bot.uow() as uow:
        for n in range(60):
            uow.deliver(
                Delivery(
                    key=f"k{n}",
                    platform="console",
                    channel_id=f"room{n % 4}",
                    reply=Reply.public(f"{n}").to_json(),
                    created_at=uow.now,
                )
            )
        await uow.commit()
    assert await bot.app.notifier.send_all() == 60
    for room in range(4):
        order = [int(text) for channel, text in poster.sent if channel == f"room{room}"]
        assert order == list(range(room, 60, 4))


# -- Quiet hours --------------------------------------------------------------------

QUIET_CASES = [
    # zone, the moment queued (UTC), when it may be sent (UTC) or None for at once
    ("Europe/London", datetime(2026, 6, 15, 21, 30), datetime(2026, 6, 16, 7, 0)),  # BST
    ("Europe/London", datetime(2026, 1, 15, 5, 0), datetime(2026, 1, 15, 8, 0)),  # GMT, early
    ("Europe/London", datetime(2026, 3, 28, 22, 0), datetime(2026, 3, 29, 7, 0)),  # clocks go on
    ("Europe/London", datetime(2026, 10, 24, 20, 0), datetime(2026, 10, 25, 8, 0)),  # clocks back
    ("America/New_York", datetime(2026, 6, 16, 3, 0), datetime(2026, 6, 16, 12, 0)),  # EDT
    ("America/New_York", datetime(2026, 3, 8, 2, 0), datetime(2026, 3, 8, 12, 0)),  # on, EST→EDT
    ("America/New_York", datetime(2026, 11, 1, 1, 0), datetime(2026, 11, 1, 13, 0)),  # back
    ("Australia/Sydney", datetime(2026, 6, 15, 11, 0), datetime(2026, 6, 15, 22, 0)),  # AEST
    ("Australia/Sydney", datetime(2026, 10, 3, 11, 0), datetime(2026, 10, 3, 21, 0)),  # on
    ("Australia/Sydney", datetime(2026, 4, 4, 12, 0), datetime(2026, 4, 4, 22, 0)),  # back
    ("Australia/Sydney", datetime(2026, 6, 15, 2, 0), None),  # noon there
]


async def set_zone(bot: TestBot, handle: str, zone: str | None) -> int:
    async with bot.uow() as uow:
        member_id = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == handle)
        )
        assert member_id is not None
        await uow.session.execute(
            update(Member).where(Member.id == member_id).values(timezone=zone)
        )
        await uow.commit()
        return member_id


async def direct(bot: TestBot, recipients: dict[int, str], **options: object) -> int:
    async with bot.uow() as uow:
        count = await queue_direct(
            uow,
            Reply.private("Good morning"),
            recipients,
            **options,  # type: ignore[arg-type]
        )
        await uow.commit()
        return count


@pytest.mark.parametrize(("zone", "queued", "expected"), QUIET_CASES)
async def test_quiet_hours_hold_a_direct_message_until_eight_local_time(
    demo: TestBot, zone: str, queued: datetime, expected: datetime | None
) -> None:
    grace = await set_zone(demo, "grace", zone)
    demo.clock.set(queued.replace(tzinfo=UTC))
    assert await direct(demo, {grace: "dm"}, settings=demo.app.settings) == 1
    held = await row(demo, "dm")
    assert held.not_before == (expected.replace(tzinfo=UTC) if expected else None)


async def test_a_held_message_is_deferred_not_dropped(demo: TestBot) -> None:
    frank = await set_zone(demo, "frank", None)  # London chapter's zone
    demo.clock.set(datetime(2026, 3, 28, 22, 0, tzinfo=UTC))  # 22:00 GMT, clocks go on tonight
    await direct(demo, {frank: "dm"}, settings=demo.app.settings)
    await demo.app.notifier.send_all()
    assert not [p for p in demo.posts if p[0] == "@frank"]
    demo.clock.set(datetime(2026, 3, 29, 6, 59, tzinfo=UTC))  # 07:59 BST
    await demo.app.notifier.send_all()
    assert not [p for p in demo.posts if p[0] == "@frank"]
    demo.clock.set(datetime(2026, 3, 29, 7, 0, tzinfo=UTC))  # 08:00 BST
    await demo.app.notifier.send_all()
    assert [p for p in demo.posts if p[0] == "@frank"] == [("@frank", "Good morning")]


async def test_the_zone_is_the_members_then_their_chapters_then_the_societys(
    demo: TestBot,
) -> None:
    """At 02:00 UTC it is night in Boston and in UTC, but late morning in Tokyo."""
    bob = await set_zone(demo, "bob", None)  # Boston: America/New_York
    grace = await set_zone(demo, "grace", "Asia/Tokyo")  # Boston member living in Tokyo
    async with demo.uow() as uow:
        stranger = Member(name="Zed", joined_at=uow.now)
        uow.session.add(stranger)
        await uow.session.flush()
        uow.session.add(
            Identity(
                member_id=stranger.id,
                platform="console",
                external_id="zed",
                display_name="zed",
                created_at=uow.now,
            )
        )
        await uow.commit()
        zed = stranger.id
    demo.clock.set(datetime(2026, 6, 16, 2, 0, tzinfo=UTC))  # 22:00 in Boston, 11:00 in Tokyo
    await direct(demo, {bob: "bob", grace: "grace", zed: "zed"}, settings=demo.app.settings)
    assert (await row(demo, "bob")).not_before == datetime(2026, 6, 16, 12, 0, tzinfo=UTC)
    assert (await row(demo, "grace")).not_before is None
    assert (await row(demo, "zed")).not_before == datetime(2026, 6, 16, 8, 0, tzinfo=UTC)  # UTC


async def test_quiet_hours_off_and_callers_without_settings_send_at_once(
    demo: TestBot,
) -> None:
    frank = await set_zone(demo, "frank", None)
    demo.clock.set(datetime(2026, 6, 15, 23, 0, tzinfo=UTC))
    off = make_settings(demo.app.settings.database_url, quiet_hours="off")
    await direct(demo, {frank: "off"}, settings=off)
    await direct(demo, {frank: "plain"})
    assert (await row(demo, "off")).not_before is None
    assert (await row(demo, "plain")).not_before is None


async def test_a_nudge_skips_members_who_turned_nudges_off(demo: TestBot) -> None:
    await demo.ok("/member nudges off", as_="grace")
    grace = await set_zone(demo, "grace", None)
    bob = await set_zone(demo, "bob", None)
    recipients = {grace: "n:grace", bob: "n:bob"}
    assert await direct(demo, recipients, nudge=True) == 1
    assert await demo.count(Delivery, Delivery.key == "n:grace") == 0
    assert await direct(demo, {grace: "plain:grace"}) == 1  # not a nudge: a reply they asked for
