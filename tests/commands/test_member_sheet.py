"""`/member profile` reads its whole card in one statement: what the card says is what
the separate queries said — roles (configured admins too), presidencies, accounts and
mentions on each platform, tags in their order, and a profile withheld from those who
may not see it."""

from __future__ import annotations

from tests.support import TestBot


async def test_the_card_of_another_member_names_their_roles_and_presidencies(
    demo: TestBot,
) -> None:
    await demo.ok("/chapter president Chicago @bob")
    card = await demo.ok("/member profile @bob", as_="grace")
    assert "president of Boston, president of Chicago" in card
    assert "Roles     HQ\n" in await demo.ok("/member profile @alice", as_="grace")
    dan = await demo.ok("/member profile @dan", as_="grace")
    assert "Roles     moderator\n" in dan


async def test_a_configured_admin_shows_as_hq_to_others(bot: TestBot) -> None:
    await bot.ok("/help", as_="alice")  # alice is HQ by configuration, with no grant
    card = await bot.ok("/member profile @alice", as_="zoe")
    assert "Roles     HQ\n" in card


async def test_tags_come_in_their_order_and_a_hidden_profile_stays_hidden(demo: TestBot) -> None:
    await demo.ok('/member edit --skills "rust, ada, python" --title Engineer', as_="grace")
    own = await demo.ok("/member profile", as_="grace")
    assert "Ada, Python, Rust" in own or "ada, python, rust" in own.lower()
    assert "Engineer" in await demo.ok("/member profile @grace", as_="bob")  # same chapter
    await demo.ok("/member edit --visible hidden", as_="grace")
    hidden = await demo.ok("/member profile @grace", as_="bob")
    assert "Engineer" not in hidden and "HQ" in hidden  # says who may see it


async def test_the_card_mentions_its_member_on_each_of_their_platforms(demo: TestBot) -> None:
    reply = await demo.send("/member profile @bob", as_="grace")
    [person] = reply.people.values()
    assert person.name == "Bob Boston" and person.handles == {"console": "bob"}


async def test_data_shows_every_account_and_counts_each_thing_once(demo: TestBot) -> None:
    await demo.ok('/member edit --skills "rust, ada" --title Engineer', as_="bob")
    await demo.ok('/chapter meeting Boston working 2026-05-02 "Ethics"', as_="bob")
    await demo.add_account("bob", "slack", "U0BOB", "bobby")
    data = await demo.ok("/member data", as_="bob")
    fields = dict(
        (line[:37].strip(), line[37:].strip()) for line in data.splitlines() if len(line) > 37
    )
    assert fields["Chapter"] == "Boston" and fields["Roles"] == "president of Boston"
    assert fields["Meetings you logged"] == "1"  # once, though bob has two accounts
    assert fields["Privileged actions in the audit log"] == "1"
    assert fields["Skills"] == "ada, rust" and fields["Title"] == "Engineer"
    assert fields["Volunteer calls to you"] == "0 (0 answered)"
    assert "• console account bob (shown as bob)" in data
    assert "• Slack account U0BOB (shown as bobby)" in data
