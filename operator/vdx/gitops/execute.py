"""Make a plan's writes, in its order, and stop at the first one Pexip refuses.

Nothing is rolled back: each write leaves Pexip in a state the operator understands (a new TURN
server before its binding, a new package before the path moves to it), so a re-run of `vdx apply`
plans again from what Pexip now holds and continues where this one stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vdx.controller.reconcilers.base import PEXIP_KINDS, pexip_failure
from vdx.controller.registry import BY_KIND
from vdx.gitops.planning import PlatformPlan, Step, resolve, unresolved
from vdx.pexip.client import PexipClient
from vdx.pexip.errors import PexipError

Say = Callable[[str], None]


@dataclass
class Applied:
    done: list[Step] = field(default_factory=list)
    failed: Step | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None


def _object_id(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


async def _send(client: PexipClient, step: Step, fields: dict[str, Any], uri: str | None) -> Any:
    kind = PEXIP_KINDS[step.change.resource]
    change = step.change
    secrets = change.secret_values(fields)
    if change.action == "create":
        return await client.create(kind, fields, file=step.file, secrets=secrets)
    assert uri is not None
    if change.action == "update":
        return await client.update(kind, _object_id(uri), fields, file=step.file, secrets=secrets)
    await client.delete(kind, _object_id(uri))
    return None


def _spec_fields(step: Step) -> Mapping[str, Mapping[str, str]]:
    """The spec fields of the kind that wants the step (its source reads `Kind namespace/name`)."""
    registration = BY_KIND.get(step.source.split(" ", 1)[0])
    return registration.spec_fields if registration is not None else {}


def done_line(step: Step, uri: str | None) -> str:
    verb = {"create": "created", "update": "updated", "delete": "deleted"}[step.change.action]
    where = f" ({uri})" if uri else ""
    return f"{verb} {step.change.resource} {step.change.label}{where}  [{step.source}]"


async def execute(client: PexipClient, plan: PlatformPlan, say: Say) -> Applied:
    """Send every step; placeholders take the URIs of the objects created before them."""
    known: dict[str, str] = {}
    applied = Applied()
    for step in plan.steps:
        fields = {k: resolve(v, known) for k, v in step.change.fields.items()}
        # An update of an object created earlier in the plan (a new system location a Domain binds to).
        target = resolve(step.change.uri, known) if step.change.uri else None
        left = unresolved([*fields.values(), target])
        if left:
            applied.failed = step
            applied.error = f"{step.change.describe()} needs {', '.join(left)}, which was not created"
            return applied
        try:
            obj = await _send(client, step, fields, target)
        except PexipError as exc:
            applied.failed = step
            applied.error = pexip_failure(exc, _spec_fields(step)).message
            return applied
        uri = getattr(obj, "resource_uri", None) if obj is not None else target
        if step.provides is not None and obj is not None:
            known[step.provides] = obj.resource_uri
        applied.done.append(step)
        say(done_line(step, uri))
    return applied
