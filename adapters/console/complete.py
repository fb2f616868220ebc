"""Tab completion for the console, from the same declarations as everything else.

Groups, subcommands, options and choices come from the registry; values with an
autocomplete source (chapters, …) are looked up in the database as you type.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from bot.app import App
from bot.declarations import CommandSpec, Kind, Param
from bot.parser import BadArgument, Token, find_spec, tokenize
from storage.uow import UnitOfWork

CONSOLE_WORDS = ("/as", "/channel", "/quit")


def _matching(typed: str, words: Iterable[str]) -> list[Completion]:
    lowered = typed.lower()
    return [Completion(w, -len(typed)) for w in words if w.lower().startswith(lowered)]


def _next_positional(spec: CommandSpec, words: list[Token]) -> Param | None:
    """The positional the word being typed fills, skipping options and their values."""
    options = spec.options
    index, skip = 0, False
    for token in words:
        if skip:
            skip = False
            continue
        if not token.quoted and token.text in options:
            skip = options[token.text].kind is not Kind.FLAG
            continue
        index += 1
    positionals = spec.positionals
    if index < len(positionals):
        return positionals[index]
    return positionals[-1] if positionals and positionals[-1].variadic else None


class RegistryCompleter(Completer):
    def __init__(self, app: App) -> None:
        self.app = app

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        return []  # the console only uses the asynchronous path

    async def get_completions_async(
        self, document: Document, event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        for completion in await self.complete(document.text_before_cursor):
            yield completion

    async def complete(self, before: str) -> list[Completion]:
        typed = "" if not before or before[-1].isspace() else before.split()[-1]
        try:
            tokens = tokenize(before)
        except BadArgument:
            return []  # inside an open quote: nothing sensible to offer
        done = tokens[:-1] if typed else tokens
        registry = self.app.registry
        if not done:
            return _matching(typed, [f"/{g}" for g in registry.groups()] + list(CONSOLE_WORDS))
        group = done[0].text.lstrip("/").lower()
        if len(done) == 1 and registry.get(group, None) is None:
            return _matching(typed, [s.name or "" for s in registry.subcommands(group)])
        try:
            spec, rest = find_spec(registry, done)
        except BadArgument:
            return []
        if typed.startswith("-"):
            return _matching(typed, spec.options)
        if rest and not rest[-1].quoted and rest[-1].text in spec.options:
            param: Param | None = spec.options[rest[-1].text]
        else:
            param = _next_positional(spec, rest)
        if param is None:
            return _matching(typed, spec.options)
        if param.choices:
            return _matching(typed, param.choices)
        source = registry.completers.get(param.complete or "")
        if source is None:
            return []
        async with UnitOfWork(self.app.sessions, self.app.clock.now()) as uow:
            values = await source(uow.session, typed)
        return [Completion(f'"{v}"' if " " in v else v, -len(typed), display=v) for v in values]
