"""The resource bodies the runtime keeps, indexed by kind and by namespace as well.

After every Ready outcome the runtime wakes the unready resources of the kinds that wait for it
(`Runtime._wake`). Scanning every body for them cost a thousand steps per outcome at
national scale, a few per cent of the event loop in a cold start; the index makes it the kind's
own count. A Tenant's roll-up, refreshed up to once a second per namespace while its resources
change, reads its namespace's members the same way. Every way of changing the mapping keeps the
indexes in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

Key = tuple[str, str | None, str]  # kind, namespace, name
Body = dict[str, Any]
_MISSING: Any = object()


class KnownBodies(dict[Key, Body]):
    """A dict of bodies by key that also answers "which keys of this kind" without a scan."""

    def __init__(self, items: Mapping[Key, Body] | Iterable[tuple[Key, Body]] = ()) -> None:
        super().__init__()
        self._by_kind: dict[str, dict[Key, None]] = {}
        self._by_namespace: dict[str | None, dict[Key, None]] = {}
        self.update(items)

    def of_kind(self, kind: str) -> list[tuple[Key, Body]]:
        """The (key, body) pairs of one kind, a copy the caller may iterate while others change."""
        return [(key, self[key]) for key in self._by_kind.get(kind, ())]

    def of_namespace(self, namespace: str | None) -> list[tuple[Key, Body]]:
        """The (key, body) pairs of one namespace (None: the cluster-scoped ones), a copy."""
        return [(key, self[key]) for key in self._by_namespace.get(namespace, ())]

    def __setitem__(self, key: Key, value: Body) -> None:
        super().__setitem__(key, value)
        self._by_kind.setdefault(key[0], {})[key] = None
        self._by_namespace.setdefault(key[1], {})[key] = None

    def __delitem__(self, key: Key) -> None:
        super().__delitem__(key)
        self._unindex(key)

    def pop(self, key: Key, default: Any = _MISSING, /) -> Any:
        if key not in self:
            if default is _MISSING:
                raise KeyError(key)
            return default
        value = super().pop(key)
        self._unindex(key)
        return value

    def popitem(self) -> tuple[Key, Body]:
        key, value = super().popitem()
        self._unindex(key)
        return key, value

    def setdefault(self, key: Key, default: Body | None = None) -> Body:
        if key not in self:
            self[key] = cast(Body, default)
        return super().__getitem__(key)

    def update(self, items: Mapping[Key, Body] | Iterable[tuple[Key, Body]] = (), /) -> None:  # type: ignore[override]
        for key, value in dict(items).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self._by_kind.clear()
        self._by_namespace.clear()

    def __ior__(self, other: Any) -> KnownBodies:  # type: ignore[override,misc]
        self.update(other)
        return self

    def _unindex(self, key: Key) -> None:
        _drop(self._by_kind, key[0], key)
        _drop(self._by_namespace, key[1], key)


def _drop(index: dict[Any, dict[Key, None]], group: Any, key: Key) -> None:
    same = index.get(group)
    if same is not None:
        same.pop(key, None)
        if not same:
            del index[group]
