"""The client against the simulator over real HTTP: reads, writes, retries, limits, secrets."""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from vdx.pexip import (
    CONFERENCE,
    CONFERENCE_ALIAS,
    DEVICE,
    GLOBAL,
    HISTORY_CONFERENCE,
    IVR_THEME,
    SYSTEM_LOCATION,
    TLS_CERTIFICATE,
    TURN_SERVER,
    WEBAPP_ALIAS,
    WEBAPP_BRANDING,
    AmbiguousCreateError,
    AuthenticationError,
    Kind,
    MethodNotAllowedError,
    NotFoundError,
    OAuth2ClientCredentials,
    PexipClient,
    PexipTransportError,
    PlatformLimiter,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    ValidationError,
    models,
)
from vdx.pexip.simulator import FaultConfig, Latency, RateLimit, RunningServer, Simulator

from .conftest import FAST_RETRY
from .support import branding_zip, make_cert, theme_zip


def _client(running: RunningServer, **kw: Any) -> PexipClient:
    kw.setdefault("auth", ("admin", "admin"))
    kw.setdefault("limiter", PlatformLimiter(max_in_flight=5, rate=1000))
    kw.setdefault("retry", FAST_RETRY)
    return PexipClient(running.base_url, **kw)


# ---------------------------------------------------------------- reads and writes
async def test_list_follows_next_with_the_page_size(client: PexipClient, sim: Simulator) -> None:
    for n in range(12):
        await client.create(TURN_SERVER, {"name": f"turn-{n:02d}", "address": f"t{n}.vdx.rm.dk"})
    sim.accounting.reset()
    found = await client.list(
        TURN_SERVER, filters={"name__startswith": "turn-"}, order_by="-name", page_size=5
    )
    assert [t.name for t in found] == [f"turn-{n:02d}" for n in reversed(range(12))]
    assert sim.accounting.count("GET", "configuration/turn_server") == 3
    assert client.counters.total("GET", "configuration/turn_server", 200) >= 3


async def test_create_reads_back_and_update_and_delete(client: PexipClient) -> None:
    conf = await client.create(
        CONFERENCE,
        {
            "name": "rm-vmr-001",
            "aliases": [{"alias": "vmr001@vdx.rm.dk"}],
            "direct_media": "best_effort",
            "tag": "rm",
        },
    )
    assert isinstance(conf, models.Conference)
    assert conf.id > 0
    assert conf.aliases[0].alias == "vmr001@vdx.rm.dk"
    assert conf.direct_media == "best_effort"
    updated = await client.update(CONFERENCE, conf.id, {"direct_media_notification_duration": 5})
    assert updated.direct_media_notification_duration == 5
    assert updated.direct_media == "best_effort"
    found = await client.find(CONFERENCE_ALIAS, alias="vmr001@vdx.rm.dk")
    assert found is not None
    assert found.conference == conf.resource_uri
    assert await client.delete(CONFERENCE, conf.id) is True
    assert await client.delete(CONFERENCE, conf.id) is False
    with pytest.raises(NotFoundError):
        await client.get(CONFERENCE, conf.id)
    assert await client.find(CONFERENCE_ALIAS, alias="vmr001@vdx.rm.dk") is None


async def test_singletons_status_and_history(client: PexipClient) -> None:
    settings = await client.global_settings()
    assert settings.default_webapp_alias == WEBAPP_ALIAS.uri(3)
    changed = await client.update(GLOBAL, 1, {"enable_turn_443": True})
    assert changed.enable_turn_443 is True
    with pytest.raises(MethodNotAllowedError):
        await client.create(GLOBAL, {})
    assert await client.version() == "41.0"
    parts = [
        p
        async for p in client.history_participants(
            datetime(2026, 10, 5), datetime(2026, 10, 6), service_tag="rm"
        )
    ]
    assert parts
    assert all(p.service_tag == "rm" and p.end_time and p.end_time.day == 5 for p in parts)
    confs = await client.list(
        HISTORY_CONFERENCE, filters={"tag": "aarhus", "start_time__lt": datetime(2026, 10, 3)}
    )
    assert confs
    assert all(c.tag == "aarhus" for c in confs)


async def test_certificates_location_and_turn(client: PexipClient) -> None:
    pair = make_cert("vdx.aarhus.dk", ("vdx.aarhus.dk",))
    cert = await client.create(
        TLS_CERTIFICATE, {"certificate": pair.certificate, "private_key": pair.private_key}
    )
    assert cert.subject_name == "vdx.aarhus.dk"
    assert cert.end_date is not None
    assert cert.end_date > datetime(2026, 1, 1)
    turn = await client.create(
        TURN_SERVER,
        {
            "name": "turn-aarhus",
            "address": "turn.vdx.aarhus.dk",
            "server_type": "coturn_shared",
            "secret_key": "s3cret",
        },
    )
    loc = await client.create(
        SYSTEM_LOCATION,
        {"name": "aarhus", "turn_server": turn.resource_uri, "client_turn_servers": [turn.resource_uri]},
    )
    assert loc.client_turn_servers == [turn.resource_uri]
    with pytest.raises(ValidationError) as info:
        await client.delete(TURN_SERVER, turn.id)
    assert "referenced" in info.value.message


async def test_multipart_uploads(client: PexipClient) -> None:
    branding = await client.create(
        WEBAPP_BRANDING,
        {"name": "Region Midtjylland", "description": "CVI", "webapp_type": "webapp3"},
        file=("rm.zip", branding_zip()),
    )
    assert len(branding.uuid) == 36
    alias = await client.create(
        WEBAPP_ALIAS,
        {
            "slug": "rm",
            "webapp_type": "webapp3",
            "is_enabled": True,
            "branding": WEBAPP_BRANDING.uri(branding.uuid),
        },
    )
    assert alias.branding is not None
    assert alias.branding.name == "Region Midtjylland"
    renamed = await client.update(WEBAPP_BRANDING, branding.uuid, {"description": "CVI v2"})
    assert renamed.description == "CVI v2"
    theme = await client.create(IVR_THEME, {"name": "rm-theme"}, file=("theme.zip", theme_zip()))
    conf = await client.create(CONFERENCE, {"name": "themed", "ivr_theme": theme.resource_uri})
    assert conf.ivr_theme is not None
    assert conf.ivr_theme.id == theme.id
    theme = await client.update(IVR_THEME, theme.id, {"name": "rm-theme-2"}, file=("theme.zip", theme_zip()))
    assert theme.name == "rm-theme-2"
    with pytest.raises(ValidationError) as info:
        await client.create(
            WEBAPP_BRANDING, {"name": "bad", "webapp_type": "webapp3"}, file=("x.zip", b"nope")
        )
    assert "branding_file" in info.value.field_errors


async def test_validation_errors_carry_field_messages(client: PexipClient) -> None:
    await client.create(CONFERENCE, {"name": "taken"})
    with pytest.raises(ValidationError) as info:
        await client.create(CONFERENCE, {"name": "taken", "direct_media": "sometimes"})
    err = info.value
    assert err.status == 400
    assert err.resource == "conference"
    assert err.field_errors["name"] == ["Virtual Meeting Room with this Name already exists."]
    assert "direct_media" in err.field_errors
    with pytest.raises(ValidationError) as flat:
        await client.list(CONFERENCE, order_by="nonsense")
    assert "ordering" in flat.value.message


# ---------------------------------------------------------------- safe creates
async def test_no_duplicate_after_a_dropped_post_response(client: PexipClient, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(drop_response_after_commit=1.0, methods=["POST"]))
    conf = await client.create(CONFERENCE, {"name": "dropped", "aliases": [{"alias": "dropped@vdx.rm.dk"}]})
    sim.set_faults(FaultConfig())
    assert conf.name == "dropped"
    assert len(await client.list(CONFERENCE, filters={"name": "dropped"})) == 1
    assert sim.accounting.count("POST", "configuration/conference") == 1


async def test_no_duplicate_after_500_that_committed(client: PexipClient, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(error_after_commit=1.0, methods=["POST"]))
    pair = make_cert()
    cert = await client.create(
        TLS_CERTIFICATE, {"certificate": pair.certificate, "private_key": pair.private_key}
    )
    sim.set_faults(FaultConfig())
    certs = await client.list(TLS_CERTIFICATE)
    assert [c.id for c in certs].count(cert.id) == 1
    assert len(certs) == 2  # the fresh node's own certificate plus ours
    assert sim.accounting.count("POST", "configuration/tls_certificate") == 1


async def test_500_before_commit_is_retried_after_a_lookup(client: PexipClient, sim: Simulator) -> None:
    # Seed 1 makes the first POST fail (roll 0.13 < 0.5) and the second succeed (0.85).
    sim.set_faults(FaultConfig(seed=1, error_rates={500: 0.5}, methods=["POST"]))
    turn = await client.create(TURN_SERVER, {"name": "retry-me", "address": "t"})
    sim.set_faults(FaultConfig())
    assert turn.name == "retry-me"
    assert sim.accounting.count("POST", "configuration/turn_server") == 2
    assert len(await client.list(TURN_SERVER, filters={"name": "retry-me"})) == 1
    # Every failed POST was followed by a lookup before the next POST.
    log = [
        (e.method, e.resource) for e in sim.accounting.entries if e.resource == "configuration/turn_server"
    ]
    posts = [i for i, (m, _) in enumerate(log) if m == "POST"]
    for before, after in itertools.pairwise(posts):
        assert ("GET", "configuration/turn_server") in log[before + 1 : after]


async def test_ambiguous_create_without_a_key_is_not_resent(client: PexipClient, sim: Simulator) -> None:
    keyless = Kind("stun_server", models.StunServer)
    sim.set_faults(FaultConfig(error_after_commit=1.0, methods=["POST"]))
    with pytest.raises(AmbiguousCreateError):
        await client.create(keyless, {"name": "k", "address": "a"})
    assert sim.accounting.count("POST", "configuration/stun_server") == 1


async def test_4xx_is_never_retried(client: PexipClient, sim: Simulator) -> None:
    with pytest.raises(ValidationError):
        await client.create(CONFERENCE, {"name": ""})
    with pytest.raises(NotFoundError):
        await client.get(CONFERENCE, 999)
    assert sim.accounting.count("POST") == 1
    assert sim.accounting.count("GET") == 1


async def test_5xx_on_reads_retries_then_raises(running: RunningServer, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(error_rates={503: 1.0}))
    async with _client(running) as pexip:
        with pytest.raises(ServerError) as info:
            await pexip.list(CONFERENCE)
    assert info.value.status == 503
    assert sim.accounting.count("GET") == FAST_RETRY.max_attempts


async def test_network_errors_are_retried(running: RunningServer, sim: Simulator) -> None:
    async with _client(running) as pexip:
        # Nothing listens on port 9 on loopback: every attempt is a connection error.
        dead = PexipClient("http://127.0.0.1:9", auth=("admin", "admin"), retry=FAST_RETRY)
        async with dead:
            with pytest.raises(PexipTransportError) as lost:
                await dead.list(CONFERENCE)
            assert dead.counters.total(status="error") == FAST_RETRY.max_attempts
        assert (await pexip.list(CONFERENCE)) == []
    # With the default credentials (admin/admin) the path is shown as it is, not /api/***/.
    assert str(lost.value).startswith("GET /api/admin/configuration/v1/conference/: ConnectError")


# ---------------------------------------------------------------- backoff and limits
class FakeTime:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_backoff_honours_retry_after_under_a_429_storm(running: RunningServer, sim: Simulator) -> None:
    fake = FakeTime()
    sim.set_faults(FaultConfig(rate_limit=RateLimit(enabled=True, budget=0, window_s=60)))
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=4, jitter=0.1, max_retry_after=60)
    limiter = PlatformLimiter(rate=1000, clock=fake.clock, sleep=fake.sleep)
    async with _client(running, retry=policy, sleep=fake.sleep, limiter=limiter) as pexip:
        with pytest.raises(RateLimitedError) as info:
            await pexip.list(CONFERENCE)
    assert info.value.retry_after is not None
    assert sim.accounting.count("GET") == policy.max_attempts
    # Between consecutive attempts the client waited at least Retry-After (60 s, minus elapsed
    # wall-clock time rounded up by the server), whether in its own backoff or the shared pause.
    # The shared pause is capped at the policy's max_retry_after (60 s).
    assert fake.now - 1000.0 >= (policy.max_attempts - 1) * 55
    assert all(d >= 55 for d in fake.sleeps if d > 1)


async def test_backoff_grows_exponentially_without_retry_after(
    running: RunningServer, sim: Simulator
) -> None:
    fake = FakeTime()
    delays = fake.sleeps
    sim.set_faults(FaultConfig(error_rates={502: 1.0}))
    policy = RetryPolicy(max_attempts=5, base_delay=1, max_delay=5, jitter=0.1)
    async with _client(running, retry=policy, sleep=fake.sleep) as pexip:
        with pytest.raises(ServerError):
            await pexip.get(GLOBAL, 1)
    assert len(delays) == 4
    for got, nominal in zip(delays, (1, 2, 4, 5), strict=True):
        assert nominal * 0.9 <= got <= nominal * 1.1


async def test_real_429_pauses_every_request_on_the_platform(running: RunningServer, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(rate_limit=RateLimit(enabled=True, budget=3, window_s=1)))
    policy = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.1, max_retry_after=5)
    # One request in flight, so every request after the 429 was sent after the client saw it.
    async with _client(running, retry=policy, limiter=PlatformLimiter(max_in_flight=1, rate=1000)) as pexip:
        results = await asyncio.gather(*(pexip.get(GLOBAL, 1) for _ in range(6)))
    assert len(results) == 6
    log = list(sim.accounting.entries)
    refused = [e for e in log if e.status == 429]
    assert len(refused) == 1
    later = [e for e in log if e.seq > refused[0].seq]
    assert len(later) == 3
    # Retry-After was 1 s: neither the retrying task nor the queued ones went earlier.
    assert all(e.time - refused[0].time >= 0.9 for e in later)


async def test_concurrency_never_exceeds_the_limit(running: RunningServer, sim: Simulator) -> None:
    sim.set_faults(FaultConfig(latency=Latency(kind="fixed", ms=30)))
    limiter = PlatformLimiter(max_in_flight=3, rate=10_000)
    async with _client(running, limiter=limiter) as one, _client(running, limiter=limiter) as two:
        await asyncio.gather(*(c.get(GLOBAL, 1) for c in (one, two) for _ in range(12)))
    assert sim.accounting.max_in_flight <= 3
    assert limiter.peak_in_flight == 3


async def test_default_limiter_is_shared_per_platform(running: RunningServer) -> None:
    async with PexipClient(running.base_url, auth=("a", "b")) as a, PexipClient(running.base_url + "/") as b:
        assert a.limiter is b.limiter
        assert a.limiter.max_in_flight == 5


# ---------------------------------------------------------------- secrets
CANARIES = ("canary-pw-5e1d0c", "canary-key-9b7a44", "canary-admin-pw-3c21")


async def test_secrets_absent_from_logs_and_exceptions(
    running: RunningServer, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    async with _client(running) as pexip:
        with pytest.raises(ValidationError) as bad:
            await pexip.create(
                TURN_SERVER,
                {
                    "name": "t",
                    "address": "a",
                    "port": 70000,
                    "password": CANARIES[0],
                    "secret_key": CANARIES[1],
                },
            )
        texts += [str(bad.value), repr(bad.value), str(bad.value.field_errors)]
        turn = await pexip.create(TURN_SERVER, {"name": "t", "address": "a", "password": CANARIES[0]})
        texts.append(repr(turn))
        sim.set_faults(FaultConfig(drop_response_after_commit=1.0, methods=["PATCH"]))
        with pytest.raises(PexipTransportError) as lost:
            await pexip.update(TURN_SERVER, turn.id, {"secret_key": CANARIES[1]})
        texts += [str(lost.value), repr(lost.value)]
        sim.set_faults(FaultConfig())
    async with _client(running, auth=("admin", CANARIES[2])) as wrong:
        with pytest.raises(AuthenticationError) as denied:
            await wrong.list(CONFERENCE)
        texts += [str(denied.value), repr(wrong._http.auth), repr(wrong)]
    texts.append(caplog.text)
    texts.append(str(sim.accounting.snapshot()))
    joined = "\n".join(texts)
    for canary in CANARIES:
        assert canary not in joined


async def test_echoed_secret_in_an_error_body_is_scrubbed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        return httpx.Response(400, json={"device": {"password": [f"bad value in {body}"]}})

    pexip = PexipClient(
        "https://pexip.invalid", auth=("admin", "admin"), transport=httpx.MockTransport(handler)
    )
    async with pexip:
        with pytest.raises(ValidationError) as info:
            await pexip.create(DEVICE, {"alias": "d@x", "password": CANARIES[0]})
    assert CANARIES[0] not in str(info.value)
    assert CANARIES[0] not in str(info.value.field_errors)
    assert "***" in str(info.value.field_errors)


# ---------------------------------------------------------------- OAuth2 and TLS
async def test_oauth2_client_credentials(running: RunningServer, sim: Simulator) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    sim.register_oauth_client("vdx-operator", public_pem)
    auth = OAuth2ClientCredentials("vdx-operator", private_pem)
    async with _client(running, auth=auth) as pexip:
        assert (await pexip.global_settings()).id == 1
        assert (await pexip.global_settings()).id == 1
        assert sim.accounting.count("POST", "oauth/token") == 1
        sim.revoke_tokens()  # the node forgot the token (e.g. restarted): refresh on 401
        assert (await pexip.global_settings()).id == 1
        assert sim.accounting.count("POST", "oauth/token") == 2
    assert private_pem not in repr(auth)
    other = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    async with _client(running, auth=OAuth2ClientCredentials("vdx-operator", other)) as rogue:
        with pytest.raises(httpx.HTTPStatusError):
            await rogue.global_settings()


async def test_tls_verified_with_a_ca_bundle() -> None:
    from vdx.pexip.simulator import serve

    with serve(Simulator(), tls=True) as server:
        assert server.ca_bundle
        async with _client(server, verify=server.ca_bundle) as trusted:
            assert (await trusted.global_settings()).id == 1
        async with _client(server) as default_trust:
            with pytest.raises(PexipTransportError):
                await default_trust.global_settings()


async def test_in_process_transport(sim: Simulator) -> None:
    """The same client works in-process through httpx.ASGITransport (fast tests of other modules)."""
    fresh = Simulator()
    async with PexipClient(
        "http://pexip.test",
        auth=("admin", "admin"),
        transport=httpx.ASGITransport(app=fresh),
        retry=FAST_RETRY,
    ) as pexip:
        fresh.set_faults(FaultConfig(drop_response_after_commit=1.0, methods=["POST"]))
        conf = await pexip.create(CONFERENCE, {"name": "in-process"})
        assert conf.name == "in-process"
        assert fresh.accounting.count("POST", "configuration/conference") == 1


# ---------------------------------------------------------------- writes without read-back
async def test_post_and_patch_write_without_reading_back(client: PexipClient, sim: Simulator) -> None:
    sim.accounting.reset()
    created = await client.post(TURN_SERVER, {"name": "no-read-back", "address": "turn.vdx.rm.dk"})
    assert created.found is None
    assert created.uri == TURN_SERVER.uri(created.object_id)
    await client.patch(TURN_SERVER, created.object_id, {"port": 5349})
    assert sim.accounting.count("GET") == 0
    assert sim.accounting.count("POST") == sim.accounting.count("PATCH") == 1
    stored = await client.get(TURN_SERVER, created.object_id)
    assert stored.resource_uri == created.uri
    assert stored.port == 5349


async def test_post_with_an_unknown_outcome_returns_what_the_lookup_found(
    client: PexipClient, sim: Simulator
) -> None:
    sim.set_faults(FaultConfig(drop_response_after_commit=1.0, methods=["POST"]))
    created = await client.post(CONFERENCE, {"name": "lost-answer"})
    sim.set_faults(FaultConfig())
    assert created.found is not None
    assert created.found.name == "lost-answer"
    assert created.uri == created.found.resource_uri
    assert sim.accounting.count("POST", "configuration/conference") == 1


async def test_list_pages_can_be_decoded_with_an_object_hook(client: PexipClient) -> None:
    await client.post(TURN_SERVER, {"name": "hooked", "address": "turn.vdx.rm.dk"})
    seen: list[str] = []

    def hook(obj: dict[str, Any]) -> dict[str, Any]:
        seen.extend(k for k in obj if k == "address")
        return {**obj, "hooked": True}

    found = [o async for o in client.iter_raw(TURN_SERVER.path, object_hook=hook)]
    assert [o["name"] for o in found] == ["hooked"]
    assert found[0]["hooked"] is True
    assert seen == ["address"]
