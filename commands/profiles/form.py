"""The profile form: `/member edit` typed bare opens it, pre-filled with what is stored.

A member editing one field of a form must not lose the others, so every field starts
from its current value, and a field emptied in the form clears it (its blank stands
for the `-` typed options use). Discord shows a modal's first five fields, so the
fields come in the order members edit most; the rest can still be typed as options.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.reply import Form, FormField
from commands.profiles.fields import CLEAR, MAX_BIO, MAX_LINE
from commands.profiles.tags import member_tags
from commands.profiles.visibility import DEFAULT
from storage.models import Member, MemberProfile

TAG_FIELD = 1000
"""Twenty tags of forty characters, with their commas."""


async def profile_form(
    session: AsyncSession, member: Member, profile: MemberProfile | None
) -> Form:
    tags = await member_tags(session, member.id)
    visibility = profile.visibility if profile is not None else DEFAULT

    def text(field: str) -> str:
        return (getattr(profile, field) or "") if profile is not None else ""

    return Form(
        title="Your profile",
        path=("member", "edit"),
        fixed=(),
        fields=(
            FormField("title", "Title: your job title", text("title"), MAX_LINE, CLEAR),
            FormField("city", "City: where you live", text("city"), MAX_LINE, CLEAR),
            FormField(
                "skills",
                "Skills: what you can do, a, b",
                ", ".join(tags["skill"]),
                TAG_FIELD,
                CLEAR,
            ),
            FormField(
                "interests",
                "Interests: what you care about, a, b",
                ", ".join(tags["interest"]),
                TAG_FIELD,
                CLEAR,
            ),
            FormField("bio", "About you (500 at most)", text("bio"), MAX_BIO, CLEAR),
            FormField(
                "timezone", "Time zone, e.g. Europe/London", member.timezone or "", 64, CLEAR
            ),
            FormField("company", "Company: where you work", text("company"), MAX_LINE, CLEAR),
            FormField("name", "Name others see", member.name, MAX_LINE),
            FormField("visible", "Visible to: society, chapter or hidden", visibility.value, 10),
        ),
    )
