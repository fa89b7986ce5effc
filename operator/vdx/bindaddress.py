"""`--bind-address` values as controller-runtime spells them: `HOST:PORT`, `:PORT`, or `0` for off.

Kubernetes operators written with controller-runtime take `--metrics-bind-address=:8080` and
`--health-probe-bind-address=:8081`; platform engineers know that spelling, so `vdx operator run`
takes the same. Pure: parsing only, no socket is opened here.
"""

from __future__ import annotations

from dataclasses import dataclass

# `:8080` (no host) listens on every IPv4 interface, as the operator always has: probes and
# Prometheus reach the pod from outside it. (Go's `:8080` is dual-stack; binding `::` fails in pods
# whose IPv6 is switched off, so every-interface stays IPv4 unless `[::]:PORT` is asked for.)
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - the documented default of an operator's probe port
OFF = "0"


@dataclass(frozen=True)
class BindAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


class BindAddressError(ValueError):
    """A value that is not `HOST:PORT`, `:PORT` or `0`; the message says which form to use."""


def parse(value: str) -> BindAddress | None:
    """`HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every interface); `0` is off (None)."""
    text = value.strip()
    if text == OFF:
        return None
    host, sep, port_text = text.rpartition(":")
    if not sep:
        raise BindAddressError(
            f"{value!r} has no port; write HOST:PORT (127.0.0.1:8080), :PORT for every interface, 0 for off"
        )
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise BindAddressError(f"{value!r}: put an IPv6 address in brackets, as [::1]:8080")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise BindAddressError(f"{value!r}: the port must be a number from 1 to 65535")
    return BindAddress(host or EVERY_INTERFACE, int(port_text))
