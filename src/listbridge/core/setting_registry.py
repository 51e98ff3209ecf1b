"""How settings work: a spec per key, a registry of them, the effective values.

`core.settings` declares the keys; this module is the machinery they share,
so that adding a key never touches it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from listbridge.core.errors import UserError

V = TypeVar("V")

SECRET_MASK = "********"


@dataclass(frozen=True)
class SettingSpec(Generic[V]):
    """One key: how its text is read and written, its default, what it allows."""

    key: str
    parse: Callable[[str], V]
    render: Callable[[V], str]
    default: V
    allowed: str
    help: str = ""
    #: never shown by `settings show` nor on a web page
    secret: bool = False

    def value_of(self, text: str) -> V:
        """The typed value of `text`, or a UserError naming key, value and allowed values."""
        try:
            # No value means a NUL; PostgreSQL cannot store one in a text column at all.
            if "\x00" in text:
                raise ValueError("a NUL character (\\x00) is not allowed")
            return self.parse(text)
        except ValueError as error:
            raise UserError(
                f"invalid value {text!r} for setting {self.key}: {error}; allowed: {self.allowed}"
            ) from None


@dataclass(frozen=True)
class Registry:
    """The known keys, in the order they are shown."""

    specs: tuple[SettingSpec[Any], ...]
    _by_key: Mapping[str, SettingSpec[Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {spec.key: spec for spec in self.specs})
        if len(self._by_key) != len(self.specs):
            raise ValueError("a settings key is registered twice")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.specs)

    def spec(self, key: str) -> SettingSpec[Any]:
        found = self._by_key.get(key)
        if found is None:
            raise UserError(
                f"unknown setting {key!r}{self._hint(key)}; known settings: " + ", ".join(self.keys)
            )
        return found

    def _hint(self, key: str) -> str:
        close = difflib.get_close_matches(key, self.keys, n=1)
        return f" (did you mean {close[0]}?)" if close else ""


@dataclass(frozen=True)
class Settings:
    """The effective settings of a connection: stored values over defaults."""

    registry: Registry
    values: Mapping[str, object]
    explicit: frozenset[str] = frozenset()

    def get(self, spec: SettingSpec[V]) -> V:
        return cast(V, self.values[spec.key])

    def text(self, key: str) -> str:
        spec = self.registry.spec(key)
        return spec.render(self.values[key])


def defaults(registry: Registry) -> Settings:
    return Settings(registry, {spec.key: spec.default for spec in registry.specs})


def resolve(stored: Mapping[str, str], registry: Registry) -> Settings:
    """Stored texts over defaults; a stored key no longer known is ignored."""
    values: dict[str, object] = {}
    for spec in registry.specs:
        text = stored.get(spec.key)
        values[spec.key] = spec.default if text is None else _stored_value(spec, text)
    return Settings(registry, values, frozenset(stored) & frozenset(registry.keys))


def _stored_value(spec: SettingSpec[Any], text: str) -> object:
    try:
        return spec.parse(text)
    except ValueError as error:
        raise UserError(
            f"the stored value {text!r} of setting {spec.key} is no longer valid ({error}); "
            f"set it again with: listbridge settings set {spec.key}=VALUE ({spec.allowed})"
        ) from None


def parse_assignments(pairs: Sequence[str], registry: Registry) -> dict[str, str]:
    """KEY=VALUE pairs → key → canonical text; every bad pair is named in one UserError."""
    parsed: dict[str, str] = {}
    problems: list[str] = []
    for pair in pairs:
        try:
            key, text = _assignment(pair, registry, parsed)
        except UserError as error:
            problems.append(str(error))
            continue
        parsed[key] = text
    if problems:
        raise UserError("nothing was changed:\n  " + "\n  ".join(problems))
    return parsed


def _assignment(pair: str, registry: Registry, seen: Mapping[str, str]) -> tuple[str, str]:
    key, equals, text = pair.partition("=")
    key = key.strip()
    if not equals:
        raise UserError(f"expected KEY=VALUE, got {pair!r} (e.g. unsubscribe.interval_minutes=60)")
    spec = registry.spec(key)
    if key in seen:
        raise UserError(f"setting {key} is given twice")
    return key, spec.render(spec.value_of(text))


@dataclass(frozen=True)
class SettingView:
    """One line of `settings show`: the shown text never holds a secret."""

    key: str
    text: str
    json_value: bool | int | str
    is_default: bool
    allowed: str
    help: str


def views(settings: Settings) -> list[SettingView]:
    return [_view(settings, spec) for spec in settings.registry.specs]


def _view(settings: Settings, spec: SettingSpec[Any]) -> SettingView:
    value = settings.values[spec.key]
    text = SECRET_MASK if spec.secret else spec.render(value)
    # JSON keeps true/false and numbers as such; every other kind shows its text.
    plain = type(value) in (bool, int) and not spec.secret
    shown: bool | int | str = cast(bool | int, value) if plain else text
    default = spec.key not in settings.explicit
    return SettingView(spec.key, text, shown, default, spec.allowed, spec.help)
