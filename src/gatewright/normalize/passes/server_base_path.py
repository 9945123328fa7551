"""Fold a server's base path (ipop's relative ``/v1``) into every path key."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from gatewright.normalize.passes.base import Context, Document, repair_pass
from gatewright.normalize.repairs import RepairLog
from gatewright.spec.pointer import escape

ROOT_SERVER = {"url": "/", "description": "The gateway's origin; every path is the full path a client calls."}


def _base_path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


@repair_pass("server_base_path")
def fold_server_base_path(document: Document, context: Context, log: RepairLog) -> None:
    """Prefix the servers' common base path onto every path, and leave servers at the origin."""
    servers = document.get("servers")
    if not servers:
        document["servers"] = [dict(ROOT_SERVER)]
        log.add(
            "/servers",
            "added a root server",
            "the document declares no server; tools need one and the canonical paths are full paths",
            after=document["servers"],
        )
        return
    bases = {_base_path(s.get("url", "")) for s in servers}
    if len(bases) != 1 or bases == {""}:
        return
    (base,) = bases
    paths = document.get("paths", {})
    document["paths"] = {
        (path if path.startswith(base + "/") else base + path): item for path, item in paths.items()
    }
    for path in paths:
        if not path.startswith(base + "/"):
            log.add(
                f"/paths/{escape(path)}",
                f"prefixed with the server base path {base!r}",
                "every canonical path is the full URL path a client calls",
                before=path,
                after=base + path,
            )
    new_servers = []
    for index, server in enumerate(servers):
        parts = urlsplit(server.get("url", ""))
        url = urlunsplit((parts.scheme, parts.netloc, "", "", "")) or "/"
        new_servers.append({**server, "url": url})
        log.add(
            f"/servers/{index}/url",
            "removed the base path from the server URL",
            "the base path now lives in the path keys",
            before=server.get("url"),
            after=url,
        )
    document["servers"] = new_servers
