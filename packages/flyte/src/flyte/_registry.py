"""The one registry mechanism behind type transformers, task plugins and connectors.

A :class:`Registry` maps keys to values, remembers who registered each (user code or a plugin),
and on a miss asks discovery to load its entry-point group once, then looks again. A concrete
registry states only what is its own: its ``group`` and what the group's entry points may name
(``expected``, :meth:`Registry.coerce`), the key a value registers under
(:meth:`Registry.key_of`), its validation (:meth:`Registry.validate`), the keys a lookup tries
(:meth:`Registry._candidates`) and how messages describe keys and values.

Claims on a key are settled by one rule:

- user code against user code: a second registration is refused unless ``override=True``;
- user code against a plugin: user code wins, whichever came first;
- a plugin against a plugin: the first loaded wins (plugins load in the sorted order of their
  distribution and entry point names); the other is marked ``conflict`` with a warning naming
  both distributions.

A plugin that fails while loading has what it registered taken back: every registry subscribes
to discovery's one hook for that (:func:`flyte._discovery.on_failed_plugin`).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from flyte import _discovery
from flyte._discovery import PluginRecord
from flyte.errors import RegistrationError

__all__ = ["Registry", "all_registries"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    plugin: PluginRecord | None

    @property
    def source(self) -> str:
        return "user code" if self.plugin is None else self.plugin.label


_instances: list[Registry[Any, Any]] = []


def all_registries() -> list[Registry[Any, Any]]:
    """Every registry made so far (test fixtures snapshot and restore them all)."""
    return list(_instances)


class Registry(Generic[K, V]):
    """A keyed registry that loads its entry-point group on a miss (see the module docstring)."""

    #: The entry-point group whose plugins fill this registry; "" for none.
    group: ClassVar[str] = ""
    #: What the group's entry points may name, as error messages say it.
    expected: ClassVar[str] = ""

    def __init__(self) -> None:
        self._entries: dict[K, _Entry[V]] = {}
        self._lock = threading.RLock()
        _instances.append(self)
        _discovery.on_failed_plugin(self.discard_plugin)
        if self.group:
            _discovery.define_group(self)

    # --- what a registry states -------------------------------------------------------------

    def coerce(self, obj: object) -> V | None:
        """The value an entry point's object stands for (a class may be instantiated), or None
        when the object is not of this registry's kind."""
        return None

    def key_of(self, value: V) -> K:
        """The key ``value`` registers under when an entry point names it."""
        raise NotImplementedError(f"{type(self).__name__} has no key for {value!r}")

    def validate(self, value: V) -> None:
        """Raise ``TypeError`` for a value this registry cannot hold."""

    def describe_key(self, key: K) -> str:
        """The key as error messages name it."""
        return repr(key)

    def describe_value(self, value: V) -> str:
        """The value as error messages name it."""
        return repr(value)

    def _candidates(self, key: K) -> Iterator[K]:
        """The keys to try, most specific first; a registry keyed by class walks the MRO."""
        yield key

    def _changed(self) -> None:
        """Called after every change of the entries (a registry that caches lookups clears them)."""

    # --- the mechanism ----------------------------------------------------------------------

    def add(self, key: K, value: V, *, override: bool = False) -> None:
        """Register ``value`` under ``key``, settling a claim on a taken key by the module's rule.

        Raises ``TypeError`` for a value :meth:`validate` refuses, and
        :class:`RegistrationError` when user code registers a key that user code already holds
        with another value, unless ``override`` is true.
        """
        self.validate(value)
        plugin = _discovery.current_plugin()
        new = _Entry(value, plugin)
        with self._lock:
            old = self._entries.get(key)
            if old is None or override:
                self._entries[key] = new
                self._changed()
                return
            if _same(old.value, value):
                return
            what = self.describe_key(key)
            if plugin is None and old.plugin is None:
                raise RegistrationError(
                    f"{what} is already registered to {self.describe_value(old.value)}; "
                    f"refusing {self.describe_value(value)}. Pass override=True to replace it."
                )
            if plugin is None:
                # User code wins over discovery, even when the plugin came first.
                self._entries[key] = new
                self._changed()
                assert old.plugin is not None  # two user registrations were refused above
                _discovery.mark_conflict(
                    old.plugin,
                    f"{old.source} registered {what}, but user code replaced it with "
                    f"{self.describe_value(value)}",
                )
                return
        _discovery.mark_conflict(
            plugin,
            f"{plugin.label} claims {what} with {self.describe_value(value)}, but {old.source} "
            f"holds it with {self.describe_value(old.value)}; keeping the latter",
        )

    def adopt(self, obj: object) -> bool:
        """Register what an entry point names if it is of this registry's kind; False if not."""
        value = self.coerce(obj)
        if value is None:
            return False
        self.add(self.key_of(value), value)
        return True

    def remove(self, key: K) -> None:
        """Remove ``key``; nothing happens when it is not registered."""
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self._changed()

    def discard_plugin(self, plugin: PluginRecord) -> None:
        """Remove every registration that ``plugin`` made (it failed while loading)."""
        with self._lock:
            kept = {k: e for k, e in self._entries.items() if e.plugin is not plugin}
            if len(kept) != len(self._entries):
                self._entries = kept
                self._changed()

    def get(self, key: K) -> V | None:
        """The value for ``key`` (or the first of its candidates), loading the group on a miss."""
        found = self._match(key)
        if found is None and self.group and _discovery.load_group(self.group):
            found = self._match(key)
        return found

    def registered(self) -> dict[K, V]:
        """A copy of what is registered now, without loading anything."""
        with self._lock:
            return {k: e.value for k, e in self._entries.items()}

    def source(self, key: K) -> str:
        """Who registered ``key``: ``user code`` or the plugin's entry point and distribution."""
        return self._entries[key].source

    def snapshot(self) -> dict[K, _Entry[V]]:
        """The registry's state, for :meth:`restore` (test fixtures use the pair)."""
        with self._lock:
            return dict(self._entries)

    def restore(self, state: dict[K, _Entry[V]]) -> None:
        """Put back a state taken by :meth:`snapshot`."""
        with self._lock:
            self._entries = dict(state)
            self._changed()

    def _match(self, key: K) -> V | None:
        entries = self._entries
        for candidate in self._candidates(key):
            entry = entries.get(candidate)
            if entry is not None:
                return entry.value
        return None


def _same(a: object, b: object) -> bool:
    # Two instances of one class are the same registration: a plugin module imported by user
    # code, then named by its entry point, must not conflict with itself.
    return a is b or (not isinstance(a, type) and type(a) is type(b))
