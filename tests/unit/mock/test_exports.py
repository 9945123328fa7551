from __future__ import annotations

from gatewright import mock


def test_public_names_are_exported() -> None:
    assert sorted(mock.__all__) == sorted(name for name in mock.__all__ if hasattr(mock, name))
    assert {"create_app", "serve", "Extension", "MockCall", "OperationHook"} <= set(mock.__all__)


def test_spec_path_serves_any_document_at_the_root() -> None:
    from gatewright.mock import load_apis
    from gatewright.spec import canonical_path

    apis = load_apis(spec_path=canonical_path("beatra"))
    (api,) = apis.values()
    assert api.prefix == ""
    assert api.router.match("GET", "/v1/models").__class__.__name__ == "RouteMatch"
