"""HTTP clients for the tests' loopback servers, all sharing one TLS context.

httpx builds a fresh SSL context for every client by default (it loads the CA bundle each time: about
25 ms of CPU), and the suite makes over a thousand clients, almost all to plain-HTTP servers on
loopback. One context made once costs that once; what the requests do is unchanged.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

TLS = ssl.create_default_context()


def http_client(**kw: Any) -> httpx.Client:
    return httpx.Client(verify=TLS, **kw)


def http_get(url: str, **kw: Any) -> httpx.Response:
    with http_client() as client:
        return client.get(url, **kw)


def http_post(url: str, **kw: Any) -> httpx.Response:
    with http_client() as client:
        return client.post(url, **kw)
