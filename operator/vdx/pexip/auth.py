"""Authentication for the Management API: HTTP Basic, or OAuth2 client credentials (spec §1.2).

The OAuth2 flow signs a JWT client assertion with the client's private key, trades it for a bearer
token at `/oauth/token/`, and refreshes it shortly before expiry or after a 401. Neither class
shows its secret in `repr`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Generator
from urllib.parse import urlencode

import httpx

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class BasicAuth(httpx.BasicAuth):
    """httpx's Basic auth with a `repr` that never shows the password."""

    def __init__(self, username: str, password: str) -> None:
        super().__init__(username, password)
        self.username = username
        self._password = password

    @property
    def secret_values(self) -> tuple[str, ...]:
        return (self._password,)

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='***')"


class OAuth2ClientCredentials(httpx.Auth):
    """Client-credentials grant with a signed JWT assertion (ES256 by default, as pexshell)."""

    requires_response_body = True

    def __init__(
        self,
        client_id: str,
        private_key_pem: str,
        *,
        token_url: str | None = None,
        algorithm: str = "ES256",
        refresh_margin: float = 300.0,
        assertion_lifetime: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self._private_key = private_key_pem
        self.token_url = token_url
        self.algorithm = algorithm
        self.refresh_margin = refresh_margin
        self.assertion_lifetime = assertion_lifetime
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentials(client_id={self.client_id!r}, private_key='***')"

    @property
    def secret_values(self) -> tuple[str, ...]:
        return tuple(v for v in (self._private_key, self._token) if v)

    def _token_url(self, request: httpx.Request) -> str:
        if self.token_url:
            return self.token_url
        return str(request.url.copy_with(path="/oauth/token/", query=None, fragment=None))

    def _assertion(self, audience: str) -> str:
        now = int(self._clock())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "iat": now,
            "exp": now + self.assertion_lifetime,
            "jti": str(uuid.uuid4()),
        }
        # Imported here: 0.7 MiB and 0.1 s of import that an operator on Basic auth never needs.
        import jwt

        return jwt.encode(claims, self._private_key, algorithm=self.algorithm)

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        url = self._token_url(request)
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(url),
        }
        return httpx.Request(
            "POST",
            url,
            content=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )

    def _store(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"OAuth2 token request failed with status {response.status_code}",
                request=response.request,
                response=response,
            )
        try:
            data = json.loads(response.content)
            token = str(data["access_token"])
            expires_in = float(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise httpx.DecodingError(
                "OAuth2 token response was not understood", request=response.request
            ) from None
        with self._lock:
            self._token = token
            self._expires_at = self._clock() + expires_in

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at - self.refresh_margin

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        refreshed = False
        if not self._fresh():
            self._store((yield self._token_request(request)))
            refreshed = True
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401 and not refreshed:
            self._store((yield self._token_request(request)))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request
