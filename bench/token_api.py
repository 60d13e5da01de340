"""How much does the token inspector cost per request? All numbers from one run, in-process.

Prints the per-request time of:
  - POST /api/v1/token with an HS256 user token and the right secret (the real work),
  - a trivial route (POST of a tiny JSON body to a route registered only in this bench app
    that parses it and returns {}): the cost of Flask + the app's hooks alone,
  - a route that only parses the body and calls jwt.decode (the floor for "verify a token"),
  - a bare jwt.decode of the same token (no Flask at all),
  - an ES256 token verified through discovery (no key: its issuer's JWKS, from a loopback JWKS
    server, the cache warm) against the same token with its key pasted (the JWKS JSON),
and the ratios. Aims: the token request within 2x the trivial route; the warm discovery within
1.2x the pasted key.
"""

from __future__ import annotations

import os
import sys

# Run as a script, bench/ is sys.path[0]: put the project root there so `inspector` imports.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import http.server  # noqa: E402
import json  # noqa: E402
import secrets  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import jwt  # noqa: E402
from flask import request  # noqa: E402

from inspector import create_app  # noqa: E402

N = 500
ROUNDS = 15


def per_call(fns: dict, n: int = N, rounds: int = ROUNDS) -> dict[str, float]:
    """Seconds per call of each function: rounds interleaved (so background load hits them all
    alike), best round kept (the minimum is the least noisy estimate)."""
    for fn in fns.values():
        for _ in range(50):
            fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return best


def jwks_server(document: bytes) -> http.server.ThreadingHTTPServer:
    """A loopback JWKS server, as the local CLI stack serves its issuer's keys (plain http)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "public, max-age=600")  # as Supabase sends it
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def discovery_bench(client, now: int) -> tuple[float, float]:
    """(seconds per request verified through discovery, warm; the same with the key pasted)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "bench-key", "alg": "ES256", "use": "sig", "key_ops": ["verify"]})
    document = json.dumps({"keys": [jwk]}).encode()
    server = jwks_server(document)
    issuer = f"http://127.0.0.1:{server.server_address[1]}/auth/v1"
    claims = {
        "iss": issuer,
        "sub": "0b7a4b2e-1c1f-4a55-9d1c-6e2f0f5f5b0a",
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "role": "authenticated",
        "aal": "aal1",
        "session_id": "5d9a7c1e-2b3f-4e5a-8c6d-7e8f9a0b1c2d",
        "is_anonymous": False,
    }
    token = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "bench-key"})
    found = {"token": token, "audience": "authenticated", "discover": True}
    pasted = {"token": token, "audience": "authenticated", "key": document.decode()}
    for body in (found, pasted):
        d = client.post("/api/v1/token", json=body).get_json()
        assert d["signature"]["status"] == "valid", d
    d = client.post("/api/v1/token", json=found).get_json()
    assert d["discovery"]["cached"], d["discovery"]  # the cache is warm
    try:
        t = per_call(
            {
                "found": lambda: client.post("/api/v1/token", json=found),
                "pasted": lambda: client.post("/api/v1/token", json=pasted),
            }
        )
    finally:
        server.shutdown()
        server.server_close()
    return t["found"], t["pasted"]


def main() -> None:
    secret = secrets.token_urlsafe(30)
    now = int(time.time())
    ref = "abcdefghijklmnopqrst"
    token = jwt.encode(
        {
            "iss": f"https://{ref}.supabase.co/auth/v1",
            "sub": "0b7a4b2e-1c1f-4a55-9d1c-6e2f0f5f5b0a",
            "aud": "authenticated",
            "exp": now + 3600,
            "iat": now,
            "email": "dev@example.com",
            "phone": "",
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": {},
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "session_id": "5d9a7c1e-2b3f-4e5a-8c6d-7e8f9a0b1c2d",
            "is_anonymous": False,
        },
        secret,
        algorithm="HS256",
    )

    app = create_app({"TESTING": False, "WTF_CSRF_ENABLED": False})

    @app.post("/__bench/trivial")
    def trivial():
        request.get_json()
        return {}

    @app.post("/__bench/decode")
    def decode_only():
        body = request.get_json()
        claims = jwt.decode(body["token"], secret, algorithms=["HS256"], audience="authenticated")
        return {"sub": claims["sub"]}

    client = app.test_client()
    body = {"token": token, "key": secret, "audience": "authenticated"}
    r = client.post("/api/v1/token", json=body)
    d = r.get_json()
    assert r.status_code == 200 and d["signature"]["status"] == "valid", d
    assert client.post("/__bench/decode", json={"token": token}).status_code == 200

    t = per_call(
        {
            "token": lambda: client.post("/api/v1/token", json=body),
            "trivial": lambda: client.post("/__bench/trivial", json={"token": "x"}),
            "decode_route": lambda: client.post("/__bench/decode", json={"token": token}),
            "decode": lambda: jwt.decode(
                token, secret, algorithms=["HS256"], audience="authenticated"
            ),
        }
    )
    t_token, t_trivial, t_decode_route, t_decode = (
        t["token"],
        t["trivial"],
        t["decode_route"],
        t["decode"],
    )

    def us(t: float) -> str:
        return f"{t * 1e6:8.1f} µs"

    print(f"POST /api/v1/token (HS256 user token, right secret) {us(t_token)}")
    print(f"trivial route (parse body, return {{}})               {us(t_trivial)}")
    print(f"route that parses + jwt.decode only                 {us(t_decode_route)}")
    print(f"bare jwt.decode                                     {us(t_decode)}")
    print()
    ratio = t_token / t_trivial
    print(f"token request / trivial route      {ratio:5.2f}x  (aim: <= 2x)")
    print(f"decode-only route / trivial route  {t_decode_route / t_trivial:5.2f}x")
    print(f"token request / bare jwt.decode    {t_token / t_decode:5.1f}x")
    print(f"service work per request (token - trivial) {us(t_token - t_trivial)}")
    print("OK" if ratio <= 2.0 else "MISSED the 2x aim")
    print()
    t_found, t_pasted = discovery_bench(client, now)
    found_ratio = t_found / t_pasted
    print(f"ES256 token, keys discovered (cache warm)            {us(t_found)}")
    print(f"ES256 token, the same JWKS pasted as the key        {us(t_pasted)}")
    print(f"discovered / pasted key            {found_ratio:5.2f}x  (aim: <= 1.2x)")
    print("OK" if found_ratio <= 1.2 else "MISSED the 1.2x aim")


if __name__ == "__main__":
    main()
