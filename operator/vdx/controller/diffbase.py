"""kopf's diff base (the last handled spec, labels and annotations) kept in memory, not on the object.

kopf's annotation storage writes the diff base onto the resource after every handled create and
update: one PATCH per resource in a cold start (about a thousand at national scale, a fifth of the
operator's Kubernetes writes), each coming back as a watch event that kopf decodes and compares
again, on the two cores the API server shares. Nothing else reads that annotation.

Every cause runs the same level-triggered reconcile (`handlers._register_kind`), so nothing is lost
when the memory is empty: after a restart or a change of leader kopf sees each resource as created
and reconciles it, exactly what resuming did. The distinction the operator does draw, an edit of a
resource seen before (kopf's update: a person's change, served ahead of the queue), only concerns
resources this process has seen, which the memory holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import cast

import kopf


class MemoryDiffBaseStorage(kopf.DiffBaseStorage):
    """The essence kopf last handled, per resource uid, for as long as the resource lives.

    Kept as compact JSON, as the annotation held it: a third of the memory of the decoded dict, and
    kopf decoded the annotation on every event too. An entry goes when kopf shows the resource being
    deleted; one deleted before kopf put the finalizer on it leaves its few hundred bytes behind until
    the process ends.
    """

    def __init__(self, ignored_fields: Iterable[tuple[str, ...]] | None = None) -> None:
        super().__init__(ignored_fields=ignored_fields)
        self._essences: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._essences)

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence | None:
        uid = body.metadata.uid
        if not uid:
            return None
        if body.metadata.deletion_timestamp:
            # kopf decides a deletion before it looks at the diff base: nothing needs it any more.
            self._essences.pop(uid, None)
            return None
        stored = self._essences.get(uid)
        return None if stored is None else cast(kopf.BodyEssence, json.loads(stored))

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        uid = body.metadata.uid
        if uid and not body.metadata.deletion_timestamp:
            self._essences[uid] = json.dumps(essence, separators=(",", ":"))
