"""Discord modals: a command's form, generated from its declaration, and a ranking.

A Discord modal holds at most five components, so a form shows the required
parameters first, then the command's switches as one multi-select, then optional
parameters while room remains; the rest can still be typed as options. Discord
cannot show an error on a modal's field, so a refusal comes back as one line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

import discord

from adapters.discord.render import MAX_MODAL_COMPONENTS, ModalSelect, modal_fields, modal_title
from adapters.text import clip
from bot.context import Request
from bot.declarations import CommandSpec, Kind, Param
from bot.reply import Ask, Form

MAX_TITLE = 45
MAX_LABEL = 45
MAX_PLACEHOLDER = 100
SWITCHES = "switches"

_PLACEHOLDERS = {
    Kind.DATE: "2026-03-14, today or a weekday",
    Kind.WHEN: "48h, 3d or 2026-12-01 18:00",
    Kind.DURATION: "90m, 48h, 3d or 2w",
    Kind.INT: "a whole number",
}


class FormHost(Protocol):
    """What a modal calls back when submitted (the Discord adapter is one).

    A protocol, so the modals need not import the adapter that opens them.
    """

    def request(
        self,
        interaction: discord.Interaction[Any],
        *,
        text: str | None = None,
        spec: CommandSpec | None = None,
        values: dict[str, str | tuple[str, ...]] | None = None,
    ) -> Request: ...

    async def answer(
        self, interaction: discord.Interaction[Any], request: Request, *, private: bool = False
    ) -> None: ...

    async def run_text(self, interaction: discord.Interaction[Any], text: str) -> None: ...


def readable(param: Param) -> str:
    return param.name.rstrip("_").replace("_", " ").capitalize()


def form_params(spec: CommandSpec) -> tuple[list[Param], list[Param]]:
    """(the parameters shown as fields, the switches shown in one select), within five."""
    flags = [p for p in spec.params if p.kind is Kind.FLAG]
    required = [p for p in spec.params if p.required and p.kind is not Kind.FLAG]
    optional = [p for p in spec.params if not p.required and p.kind is not Kind.FLAG]
    room = MAX_MODAL_COMPONENTS - len(required) - (1 if flags else 0)
    return required + optional[: max(room, 0)], flags


def _field(param: Param) -> discord.ui.Item[Any]:
    if param.kind is Kind.CHOICE:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=param.name,
            options=[discord.SelectOption(label=c, value=c) for c in param.choices[:25]],
            min_values=1 if param.required else 0,
            max_values=1,
            required=param.required,
        )
        return select
    if param.kind is Kind.MEMBER:
        return discord.ui.UserSelect(
            custom_id=param.name, min_values=1 if param.required else 0, required=param.required
        )
    if param.kind is Kind.CHANNEL:
        return discord.ui.ChannelSelect(
            custom_id=param.name, min_values=1 if param.required else 0, required=param.required
        )
    placeholder = _PLACEHOLDERS.get(param.kind, "")
    if param.variadic:
        placeholder = "one per line"
    return discord.ui.TextInput(
        label=clip(readable(param), MAX_LABEL),
        custom_id=param.name,
        style=discord.TextStyle.paragraph if param.variadic else discord.TextStyle.short,
        placeholder=placeholder[:MAX_PLACEHOLDER] or None,
        required=param.required,
        max_length=4000 if param.variadic else 1000,
    )


def _label(text: str, description: str, component: discord.ui.Item[Any]) -> discord.ui.Label[Any]:
    return discord.ui.Label(
        text=clip(text, MAX_LABEL), description=clip(description, 100) or None, component=component
    )


class FormModal(discord.ui.Modal):
    """The form of a command typed without its options (`/poll create`)."""

    def __init__(self, adapter: FormHost, spec: CommandSpec) -> None:
        super().__init__(title=clip(f"/{spec.path}", MAX_TITLE), custom_id=f"form:{spec.path}")
        self.adapter = adapter
        self.spec = spec
        self.fields, self.switches = form_params(spec)
        for param in self.fields:
            self.add_item(_label(readable(param), param.help, _field(param)))
        if self.switches:
            choices = discord.ui.Select[Any](
                custom_id=SWITCHES,
                options=[
                    discord.SelectOption(
                        label=clip(p.flag, 100), value=p.name, description=clip(p.help, 100)
                    )
                    for p in self.switches
                ],
                min_values=0,
                max_values=len(self.switches),
                required=False,
            )
            self.add_item(_label("Switches", "tick any that apply", choices))

    def values(self) -> dict[str, str | tuple[str, ...]]:
        """What was filled in, as the parser reads it; blank optional fields are left out."""
        found: dict[str, str | tuple[str, ...]] = {}
        for child in self.children:
            item = child.component if isinstance(child, discord.ui.Label) else child
            name = getattr(item, "custom_id", "")
            if isinstance(item, discord.ui.TextInput):
                text = item.value.strip()
                if not text:
                    continue
                param = next(p for p in self.fields if p.name == name)
                found[name] = tuple(text.splitlines()) if param.variadic else text
            elif isinstance(item, discord.ui.UserSelect | discord.ui.ChannelSelect):
                if item.values:
                    mark = "@" if isinstance(item, discord.ui.UserSelect) else "#"
                    found[name] = f"<{mark}{item.values[0].id}>"
            elif isinstance(item, discord.ui.Select):
                if name == SWITCHES:
                    for switch in item.values:
                        found[switch] = "true"
                elif item.values:
                    found[name] = item.values[0]
        return found

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        request = self.adapter.request(interaction, spec=self.spec, values=self.values())
        await self.adapter.answer(interaction, request)


class RankModal(discord.ui.Modal):
    """A button's Ask: one select per place of a ranking, or one select of several."""

    def __init__(self, adapter: FormHost, command: str, ask: Ask) -> None:
        super().__init__(title=modal_title(ask), custom_id=f"rank:{command}"[:100])
        self.adapter = adapter
        self.command = command
        self.selects: list[discord.ui.Select[Any]] = []
        for field in modal_fields(ask):
            select = self._select(field)
            self.selects.append(select)
            self.add_item(_label(field.label, "", select))

    @staticmethod
    def _select(field: ModalSelect) -> discord.ui.Select[Any]:
        return discord.ui.Select(
            custom_id=field.custom_id,
            options=[
                discord.SelectOption(label=label, value=value) for label, value in field.options
            ],
            min_values=field.min_values,
            max_values=field.max_values,
            required=field.required,
            placeholder=field.placeholder,
        )

    def chosen(self) -> list[str]:
        return [value for select in self.selects for value in select.values]

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.adapter.run_text(interaction, " ".join([self.command, *self.chosen()]))


class PrefilledModal(discord.ui.Modal):
    """A `Form` a command returned (a draft to edit), its fields starting from the draft.

    Up to five fields, Discord's limit; each a paragraph, optional, so the core (not
    the modal) says when the whole form is empty.
    """

    def __init__(self, adapter: FormHost, form: Form) -> None:
        super().__init__(title=clip(form.title, MAX_TITLE), custom_id=f"prefilled:{form.path}")
        self.adapter = adapter
        self.form = form
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in form.fields[:MAX_MODAL_COMPONENTS]:
            text = discord.ui.TextInput[Any](
                label=clip(field.label, MAX_LABEL),
                custom_id=field.name,
                style=discord.TextStyle.paragraph,
                default=field.default[: field.max_length] or None,
                required=False,
                max_length=min(field.max_length, 4000),
            )
            self.inputs[field.name] = text
            self.add_item(text)

    def filled(self) -> dict[str, str]:
        return {name: item.value for name, item in self.inputs.items()}

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        request = replace(
            self.adapter.request(interaction),
            path=self.form.path,
            values=self.form.values(self.filled()),
        )
        await self.adapter.answer(interaction, request)
