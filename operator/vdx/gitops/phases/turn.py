"""TurnService offline: one turn_server per TurnService, its secret from `--secrets`."""

from __future__ import annotations

from vdx.api.turn import TurnService
from vdx.controller.ownership import Owner
from vdx.controller.plan import pending
from vdx.controller.planners.turn import TurnInputs, decide
from vdx.gitops.offline import OfflinePlanner, Step, adopt_of, from_secret, label_of
from vdx.pexip.resources import TURN_SERVER

Key = tuple[str, str]  # namespace, name


def _uris(planner: OfflinePlanner) -> dict[Key, str | None]:
    return planner.state("TurnService:uris", dict)


def planned_uri(planner: OfflinePlanner, namespace: str, name: str) -> str | None:
    """The TURN server's URI, or the placeholder its create provides; None when it has neither."""
    return _uris(planner).get((namespace, name))


def plan(planner: OfflinePlanner) -> None:
    uris = _uris(planner)
    for turn in planner.in_scope(TurnService):
        namespace, source = str(turn.namespace), label_of(turn)
        secret_name = turn.spec.secret_ref.name
        data = planner.desired.secrets.get((namespace, secret_name))
        inputs = TurnInputs(
            turn,
            Owner("TurnService", namespace, turn.name),
            data if data is not None else from_secret(namespace, secret_name),
            adopt=adopt_of(turn),
            secret_changed=planner.desired.resend_secrets and data is not None,
        )
        decided = decide(inputs, planner.observed.of(TURN_SERVER))
        uris[(namespace, turn.name)] = decided.owned[0] if decided.owned else None
        if planner.blocked(decided, source):
            continue
        secret_of = dict.fromkeys(("username", "secret_key", "password"), (namespace, secret_name))
        for original in decided.changes:
            change = planner.known_only(original)
            if change is None:
                continue
            provides = None
            if change.action == "create":
                provides = pending("turn_server", change.label)
                uris[(namespace, turn.name)] = provides
            planner.need_for_pending(change, secret_of, source)
            planner.add(
                Step(
                    planner.tenant_of(turn),
                    source,
                    change,
                    provides=provides,
                    secret_sources=dict.fromkeys(
                        ("secret_key", "password"), f"Secret {namespace}/{secret_name}"
                    ),
                )
            )


def removed(planner: OfflinePlanner) -> None:
    """TURN servers of TurnServices the tree no longer has (their locations were unbound first, by
    the Domain's removal step)."""
    planner.delete_left_behind(
        "TurnService", "turn_server", planner.observed.of(TURN_SERVER), lambda s: str(s.name)
    )
