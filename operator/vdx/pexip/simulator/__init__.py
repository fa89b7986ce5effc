"""A faithful simulator of the Pexip Infinity Management API (see docs/pexip-simulator.md).

Python API:
    sim = Simulator(SimulatorConfig(...))        # ASGI app; httpx.ASGITransport(app=sim) in-process
    with serve(sim) as running: running.base_url  # real HTTP on a free loopback port
    sim.set_faults(FaultConfig(...)) / sim.set_faults(drop_response_after_commit=1.0)
    sim.accounting.count("POST", "configuration/conference"); sim.accounting.snapshot()
"""

from vdx.pexip.simulator.accounting import Accounting, LogEntry
from vdx.pexip.simulator.app import Simulator, SimulatorConfig
from vdx.pexip.simulator.engine import EngineOptions
from vdx.pexip.simulator.faults import FaultConfig, Latency, Outage, RateLimit
from vdx.pexip.simulator.seed import DEFAULT_TENANTS, HistorySeed, SeedOptions, Tenant
from vdx.pexip.simulator.server import RunningServer, serve, start_server

__all__ = [
    "DEFAULT_TENANTS",
    "Accounting",
    "EngineOptions",
    "FaultConfig",
    "HistorySeed",
    "Latency",
    "LogEntry",
    "Outage",
    "RateLimit",
    "RunningServer",
    "SeedOptions",
    "Simulator",
    "SimulatorConfig",
    "Tenant",
    "serve",
    "start_server",
]
