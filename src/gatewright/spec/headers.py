"""Hop-by-hop headers: the fields that describe one connection, never an answer's content.

One home for the set the proxy drops when it forwards, the mock's replay leaves out and the
mock refuses from a rule or a fixture (the server frames every answer itself).
"""

from __future__ import annotations

__all__ = ["CONNECTION_HEADERS", "HOP_BY_HOP"]

# The connection and its framing (RFC 9110 7.6.1, 6.6.2): set by whoever sends the message.
CONNECTION_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

# Every header meant for the next hop only: the connection's, and proxy authentication (RFC 9110
# 11.7), which a forwarder consumes rather than passes on. A ``Connection`` header may name more.
HOP_BY_HOP = CONNECTION_HEADERS | {"proxy-authenticate", "proxy-authorization"}
