"""The mock's answers agree with each other over a real socket: what a list shows, its item route serves."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from gatewright.mock.generate import Generator
from gatewright.mock.schemas import SchemaSet
from gatewright.spec import API_IDS, load_spec
from gatewright.spec.model import Operation, Spec

AUTH = {"Authorization": "Bearer sk-test", "x-api-key": "sk-test"}


def _pairs() -> list[tuple[str, str, str]]:
    """(api, list operationId, item GET operationId) for every collection GET with an item GET."""
    found = []
    for api in API_IDS:
        spec = load_spec(api)
        lists = {op.template.path: op for op in spec.operations if op.method == "GET"}
        for op in spec.operations:
            item = op.template.item
            if op.method == "GET" and item is not None and item[0] in lists:
                found.append((api, lists[item[0]].operation_id, op.operation_id))
    return found


def _generated(spec: Spec, schema: Any) -> Any:
    return Generator(SchemaSet({**spec.document, "x-param": schema}), seed=3).generate("/x-param")


def _value(spec: Spec, schema: Any) -> str:
    value = _generated(spec, schema)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _request(
    spec: Spec, op: Operation, path_values: dict[str, str]
) -> tuple[str, dict[str, str], dict[str, str], dict[str, str]]:
    """The operation's URL path, query, headers and path values: given path values, others generated."""
    query: dict[str, str] = {}
    headers = dict(AUTH)
    values = dict(path_values)
    for param in op.parameters:
        name, where = str(param.get("name")), param.get("in")
        if where == "path" and name not in values:
            values[name] = _value(spec, param.get("schema", {}))
        elif param.get("required") and where == "query":
            query[name] = _value(spec, param.get("schema", {}))
        elif param.get("required") and where == "header":
            headers[name] = _value(spec, param.get("schema", {}))
    path = op.template.expand({name: quote(value, safe="") for name, value in values.items()})
    return path, query, headers, values


def _get(url: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, str, str]:
    """Status, content type and text of a GET (error statuses too)."""
    request = urllib.request.Request(f"{url}?{urlencode(query)}" if query else url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def _made_parents(spec: Spec, op: Operation, root: str) -> dict[str, str]:
    """Each resource ``op``'s path names that the API creates (a vector store for its file list),
    made first: a gateway answers its 404 under one nobody made."""
    made: dict[str, str] = {}
    for name in op.template.names:
        collection = op.template.path.split(f"/{{{name}}}", 1)[0]
        create = next(
            (c for c in spec.operations if c.method == "POST" and c.template.path == collection),
            None,
        )
        content = ((create.definition.get("requestBody") or {}).get("content") or {}) if create else {}
        if create is None or "application/json" not in content:
            continue
        body = json.dumps(_generated(spec, content["application/json"].get("schema", {})))
        path, query, headers, _ = _request(spec, create, made)
        request = urllib.request.Request(
            f"{root}{path}?{urlencode(query)}" if query else f"{root}{path}",
            data=body.encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            made[name] = str(json.loads(response.read())["id"])
    return made


def _items(body: Any) -> list[dict[str, Any]]:
    array = (
        body if isinstance(body, list) else next((v for v in body.values() if isinstance(v, list) and v), [])
    )
    return [item for item in array if isinstance(item, dict)]


@pytest.mark.parametrize(("api", "list_id", "item_id"), _pairs())
def test_every_listed_id_is_fetchable(base_url: str, api: str, list_id: str, item_id: str) -> None:
    spec = load_spec(api)
    listing, item = spec.operation(list_id), spec.operation(item_id)
    found = item.template.item
    assert found is not None
    name = found[1]
    root = f"{base_url}/{api}"
    path, query, headers, parents = _request(spec, listing, _made_parents(spec, listing, root))
    status, content_type, text = _get(root + path, query, headers)
    assert status == 200, text
    if not content_type.endswith("json"):
        return
    items = _items(json.loads(text))
    stem = name.removesuffix("_id")
    keys = (name, "id", "slug", "name", "key", f"{stem}_id")
    ids = [next((it[k] for k in keys if k in it), None) for it in items]
    for listed_id in ids:
        if listed_id is None:
            continue
        path, query, headers, _ = _request(spec, item, {**parents, name: str(listed_id)})
        status, _, text = _get(root + path, query, headers)
        assert status == 200, (api, item.label, listed_id, text[:300])
