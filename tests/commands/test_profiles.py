"""Profiles and the directory: editing, tags merged, visibility, finding, privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commands.profiles import directory
from storage.models import (
    Identity,
    Member,
    MemberProfile,
    MemberTag,
    MemberTerm,
    RecruitAsk,
    Tag,
    Workgroup,
)
from tests.support import TestBot


async def _member_id(bot: TestBot, handle: str) -> int:
    async with bot.uow() as uow:
        found = await uow.session.scalar(
            select(Identity.member_id).where(
                Identity.platform == "console", Identity.external_id == handle
            )
        )
        assert found is not None
        return int(found)


async def test_edit_shows_profile_and_merges_tag_spellings(demo: TestBot) -> None:
    shown = await demo.ok(
        '/member edit --title "Data Engineer" --city Cambridge --timezone america/new_york '
        '--skills "Python,  Machine Learning, kubernetes" --interests "open data"',
        as_="grace",
    )
    assert "Data Engineer" in shown and "America/New_York" in shown
    # Case, spacing, plural and a close spelling all land on the tags grace made.
    await demo.ok('/member edit --skills "PYTHONS, machine   learning, kubernets"', as_="bob")
    await demo.ok('/member edit --interests "pyhton"', as_="frank")
    async with demo.uow() as uow:
        keys = sorted(await uow.session.scalars(select(Tag.key)))
    assert keys == ["kubernetes", "machine learning", "open data", "python"]
    tags = await demo.ok("/member tags", as_="erin")
    assert "Python: 2 as a skill, 1 as an interest" in tags
    assert "kubernetes: 2 as a skill" in tags and "open data: 1 as an interest" in tags
    profile = await demo.ok("/member profile @grace", as_="bob")
    assert "Data Engineer" in profile and "Cambridge" in profile and "Machine Learning" in profile


async def test_short_words_are_not_merged_by_spelling(demo: TestBot) -> None:
    await demo.ok('/member edit --skills "react, design"', as_="grace")
    await demo.ok('/member edit --skills "redact, resign"', as_="bob")
    async with demo.uow() as uow:
        keys = sorted(await uow.session.scalars(select(Tag.key)))
    assert keys == ["design", "react", "redact", "resign"]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (
            "/member edit --timezone Europe/Londn",
            "Unknown time zone 'Europe/Londn': give an IANA name like Europe/London. "
            "Closest: Europe/London",
        ),
        (
            "/member edit --skills " + ",".join(f"t{i}" for i in range(21)),
            "--skills takes at most 20 tags; you gave 21.",
        ),
        (
            '/member edit --interests "' + "x" * 41 + '"',
            "A tag is at most 40 characters; 'xxxxxxxxxxxxxxxxxxxx'… is 41.",
        ),
        (
            '/member edit --bio "' + "b" * 501 + '"',
            "--bio is at most 500 characters; yours is 501.",
        ),
        ("/member edit --visible everyone", "--visible must be society or chapter or hidden"),
    ],
)
async def test_bad_input_is_one_line_and_changes_nothing(
    demo: TestBot, command: str, error: str
) -> None:
    await demo.ok('/member edit --title "Mentor" --skills go', as_="grace")
    before = await demo.snapshot()
    # The title is valid, the rest is not: nothing of it is written.
    refused = await demo.refused(
        command.replace("/member edit", '/member edit --title "Boss"') or "/member edit"
    )
    assert refused.startswith(error) or error in refused
    assert await demo.snapshot() == before


async def test_empty_value_clears_a_field(demo: TestBot) -> None:
    await demo.ok('/member edit --title "Mentor" --skills go', as_="grace")
    await demo.ok("/member edit --title - --skills -", as_="grace")
    data = await demo.ok("/member data", as_="grace")
    assert "Mentor" not in data
    assert await demo.count(MemberTag) == 0


async def test_data_shows_everything_and_forget_deletes_it(demo: TestBot) -> None:
    await demo.ok(
        '/member edit --title "Organiser" --company Acme --bio "I run meetups" '
        '--skills "events" --interests "ethics" --visible society',
        as_="frank",
    )
    frank = await _member_id(demo, "frank")
    async with demo.uow() as uow:
        workgroup = await uow.session.scalar(select(Workgroup.id))
        uow.session.add(
            RecruitAsk(workgroup_id=workgroup, member_id=frank, call="c", asked_at=uow.now)
        )
        await uow.commit()
    data = await demo.ok("/member data", as_="frank")
    for shown in ("Organiser", "Acme", "I run meetups", "events", "ethics", "the whole society"):
        assert shown in data
    assert "Volunteer calls to you" in data and "1 (0 answered)" in data
    await demo.ok("/member forget --confirm", as_="frank")
    for model in (MemberProfile, MemberTag, MemberTerm, RecruitAsk):
        assert await demo.count(model, model.member_id == frank) == 0
    # The tags stay for others to use; only frank's ties to them went.
    assert await demo.count(Tag) == 2


# --- the directory -----------------------------------------------------------------------


async def test_find_needs_something_to_search(demo: TestBot) -> None:
    assert await demo.refused("/member find") == (
        "Say what to find: /member find TEXT, or --skill X, --interest X or --chapter C."
    )
    assert "No member has the tag 'cobol'" in await demo.refused("/member find --skill cobol")


async def test_find_best_match_first_and_paged(demo: TestBot) -> None:
    await demo.ok('/member edit --title "Data Engineer" --skills python', as_="grace")
    await demo.ok('/member edit --title "Engineer" --skills python', as_="bob")
    found = await demo.ok("/member find data engineer", as_="alice")
    assert found.index("@grace") < found.index("@bob")
    for i in range(12):
        await demo.ok("/member edit --skills python --visible society", as_=f"py{i:02}")
    first = await demo.ok("/member find --skill Python", as_="alice")
    assert "Showing 1–10" in first and "--page 2" in first
    second = await demo.ok("/member find --skill Python --page 2", as_="alice")
    assert "Showing 11–14; that is all" in second
    assert "@py00" in first and "@py00" not in second


# Who asks: a member of the target's chapter, of another chapter, the target chapter's
# president, another chapter's president, and HQ.
ASKERS = {"grace": "same", "frank": "other", "bob": "president", "erin": "other president"}
SEES = {
    "society": {"grace", "frank", "bob", "erin", "alice"},
    "chapter": {"grace", "bob", "alice"},
    "hidden": {"alice"},
}


@pytest.mark.parametrize("visibility", ["society", "chapter", "hidden"])
async def test_visibility_for_every_asker(demo: TestBot, visibility: str) -> None:
    await demo.ok("/member join Boston", as_="tina")
    await demo.ok(
        f'/member edit --title "Zookeeper" --skills zoology --visible {visibility}', as_="tina"
    )
    for asker in [*ASKERS, "alice"]:
        found = await demo.say("/member find zookeeper", as_=asker)
        by_skill = await demo.say("/member find --skill zoology", as_=asker)
        profile = await demo.ok("/member profile @tina", as_=asker)
        sees = asker in SEES[visibility]
        assert ("@tina" in found) is sees, (asker, visibility, found)
        assert ("@tina" in by_skill) is sees, (asker, visibility)
        assert ("Zookeeper" in profile) is sees, (asker, visibility, profile)
        if not sees:
            assert "Only HQ" in profile and "may see tina's profile" in profile
    # Whatever the setting, a member finds themselves.
    assert "@tina" in await demo.say("/member find zookeeper", as_="tina")


async def test_find_by_chapter_and_interest(demo: TestBot) -> None:
    await demo.ok('/member edit --interests "open data" --visible society', as_="frank")
    await demo.ok('/member edit --interests "open data" --visible society', as_="grace")
    found = await demo.ok('/member find --interest "open datas" --chapter London', as_="bob")
    assert "@frank" in found and "@grace" not in found


async def test_names_are_found_before_any_profile_is_written(demo: TestBot) -> None:
    found = await demo.ok("/member find grace", as_="bob")
    assert "@grace" in found
    async with demo.uow() as uow:
        assert await uow.session.scalar(select(Member.id).where(Member.name == "Grace Member"))


@pytest.mark.parametrize("dense", [False, True])
async def test_common_words_rank_as_rare_ones_do(
    demo: TestBot, dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Common words walk members instead of ranking them all; the order is the same."""
    if dense:
        monkeypatch.setattr(directory, "DENSE", 2)
    for i in range(12):
        title = "Data Engineer" if i % 4 == 0 else "Engineer"
        await demo.ok(f'/member edit --title "{title}" --visible society', as_=f"e{i:02}")
    first = await demo.ok("/member find data engineer", as_="frank")
    lines = [line for line in first.splitlines() if line.startswith("•")]
    assert [line.split()[1] for line in lines[:3]] == ["@e00", "@e04", "@e08"]
    assert "@e01" in lines[3]
    second = await demo.ok("/member find engin data --page 2", as_="frank")
    assert "Showing 11–12; that is all" in second and "@e10" in second and "@e11" in second
