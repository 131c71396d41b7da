"""A small OpenID Connect provider for the tests, served over HTTP in a thread: discovery, JWKS,
the authorization endpoint (it signs in whoever the test says, at once), the token endpoint (the
code for an RS256 ID token and an access token; client secret and PKCE checked), userinfo and an
end-session endpoint. ``forge`` makes the next ID token wrong in one way, as a hostile or broken
provider would; ``rotate_keys`` replaces the signing key as a provider rotating its keys does."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "l2portal-test"
CLIENT_SECRET = "test-secret"


def _new_key() -> tuple[str, rsa.RSAPrivateKey]:
    return secrets.token_hex(8), rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    def __init__(self, *, end_session: bool = True, pkce: bool = True, client_auth: tuple[str, ...] = ()):
        self.end_session = end_session
        self.pkce = pkce
        self.client_auth = client_auth  # token_endpoint_auth_methods_supported, if named
        self.client_auth_used: list[str] = []
        self.key = _new_key()
        self.person: dict = {}
        # wrong_audience, expired, bad_signature, unknown_issuer (the ID token), userinfo_of_another
        self.forge: str | None = None
        self.jwks_fetches = 0
        self.ended_sessions: list[dict] = []
        self._codes: dict[str, dict] = {}
        self._access: dict[str, dict] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate_keys(self) -> None:
        """A new signing key; the old one leaves the JWKS."""
        self.key = _new_key()

    def discovery(self) -> dict:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
        }
        if self.pkce:
            document["code_challenge_methods_supported"] = ["S256"]
        if self.client_auth:
            document["token_endpoint_auth_methods_supported"] = list(self.client_auth)
        if self.end_session:
            document["end_session_endpoint"] = f"{self.issuer}/logout"
        return document

    def jwks(self) -> dict:
        kid, private = self.key
        public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": grant["client_id"],
            "iat": now,
            "exp": now + 600,
            "nonce": grant["nonce"],
            "sub": grant["person"]["sub"],
            **grant["person"],
        }
        kid, private = self.key
        if self.forge == "wrong_audience":
            claims["aud"] = "another-portal"
        elif self.forge == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.forge == "unknown_issuer":
            claims["iss"] = "https://idp.elsewhere.example"
        elif self.forge == "bad_signature":
            private = _new_key()[1]  # the provider's key id, someone else's key
        return jwt.encode(claims, private, algorithm="RS256", headers={"kid": kid})

    def _authorize(self, query: dict) -> tuple[int, dict, bytes]:
        code = secrets.token_urlsafe(16)
        self._codes[code] = {
            "client_id": query["client_id"],
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "person": dict(self.person),
        }
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}, b""

    def _token(self, form: dict, authorization: str) -> tuple[int, dict, bytes]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        self.client_auth_used.append("client_secret_basic" if authorization else "client_secret_post")
        grant = self._codes.pop(form.get("code", ""), None)
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return _json(401, {"error": "invalid_client"})
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return _json(400, {"error": "invalid_grant"})
        if grant["challenge"]:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return _json(400, {"error": "invalid_grant", "error_description": "PKCE verifier"})
        access = secrets.token_urlsafe(16)
        self._access[access] = grant["person"]
        return _json(200, {"access_token": access, "token_type": "Bearer", "id_token": self.id_token(grant)})

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._answer(*_json(200, provider.discovery()))
                if url.path == "/jwks":
                    provider.jwks_fetches += 1
                    return self._answer(*_json(200, provider.jwks()))
                if url.path == "/authorize":
                    return self._answer(*provider._authorize(query))
                if url.path == "/userinfo":
                    person = provider._access.get(self.headers.get("Authorization", "")[7:])
                    if person and provider.forge == "userinfo_of_another":
                        person = {**person, "sub": "someone-else"}
                    return self._answer(
                        *(_json(200, person) if person else _json(401, {"error": "invalid_token"}))
                    )
                if url.path == "/logout":
                    provider.ended_sessions.append(query)
                    return self._answer(302, {"Location": query["post_logout_redirect_uri"]}, b"")
                return self._answer(*_json(404, {"error": "not_found"}))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path == "/token":
                    return self._answer(*provider._token(form, self.headers.get("Authorization", "")))
                return self._answer(*_json(404, {"error": "not_found"}))

        return Handler


def _json(status: int, body: dict) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
