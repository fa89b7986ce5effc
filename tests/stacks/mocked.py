"""Run the stack program under `pulumi.runtime.set_mocks` and keep what it registered.

No engine, CLI or plugin runs: the mocks answer every registration with the inputs as outputs,
which is exactly what the assertions look at (what the program asks the cluster to hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from vdx.infra.program import Provisioned, provision
from vdx.infra.settings import parse_settings

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


@dataclass
class Recorder(Mocks):
    resources: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append((args.typ, args.name, args.inputs))
        return f"{args.name}-id", args.inputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        return {}


@dataclass
class Run:
    recorder: Recorder
    provisioned: Provisioned
    secret_flags: dict[str, bool]

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        return [inputs for t, _name, inputs in self.recorder.resources if t == typ]

    def named(self, typ: str, name: str) -> dict[str, Any]:
        matches = [inputs for t, n, inputs in self.recorder.resources if t == typ and n == name]
        assert len(matches) == 1, f"{typ} {name}: {len(matches)} registrations"
        return matches[0]

    def pairs(self) -> list[tuple[str, dict[str, Any]]]:
        return [(t, unwrap_secrets(inputs)) for t, _n, inputs in self.recorder.resources]


def is_secret_value(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def unwrap_secrets(value: Any) -> Any:
    if is_secret_value(value):
        return unwrap_secrets(value["value"])
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def run_program(stack: str, config: dict[str, Any], credentials: dict[str, Any] | None) -> Run:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, project="vdx-operator", stack=stack, preview=False)
    settings = parse_settings(config, stack=stack)
    holder: dict[str, Provisioned] = {}
    flags: dict[str, bool] = {}

    @pulumi.runtime.test  # type: ignore[misc]
    def program() -> pulumi.Output[Any]:
        secret_input = pulumi.Output.secret(credentials) if credentials is not None else None
        holder["result"] = provision(settings, secret_input)
        checks = []
        for name, secret in holder["result"].credential_secrets.items():
            future = secret.string_data.is_secret()  # type: ignore[attr-defined]
            checks.append(pulumi.Output.from_input(future).apply(lambda v, n=name: flags.__setitem__(n, v)))
        return pulumi.Output.all(*checks)

    program()
    return Run(recorder, holder["result"], flags)
