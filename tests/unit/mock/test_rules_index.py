"""The rule book's index by operation (and ``RuleIndex`` within it) picks what trying every rule in
order would pick.

The oracle is a plain loop written here: every rule in force (runtime ones first, then those
from files), skipping spent ``times`` and operations where the rule's replies are not allowed,
first ``matches`` wins. Random rule sets, runtime changes (add, remove, reset) and requests to
LLM and non-LLM operations of two APIs; the book must agree on the rule, its match number and
so its reply, every time. And a request to a book of ten thousand rules tries only the few it
may match (issue 21, item 10: each request tried all of them, 7-40 ms).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatewright.mock import load_apis
from gatewright.mock.control_store import ControlStore
from gatewright.mock.operations import MockApi
from gatewright.mock.rules import Rule, RuleBook, RuleError, parse_rules
from gatewright.mock.rules import book as book_module
from gatewright.mock.rules.matcher import holds, matches, request_facts

APIS = ("empiriolabs", "voxvey")  # both serve chat, messages and models; at /<api>
OPERATIONS = ("createChatCompletion", "createMessage", "listModels", "createResponse")


@pytest.fixture(scope="module")
def apis() -> dict[str, MockApi]:
    return load_apis(list(APIS))


# -- rules and requests ------------------------------------------------------------------------------------

whens = st.fixed_dictionaries(
    {},
    optional={
        "api": st.sampled_from(APIS),
        "operation": st.sampled_from(OPERATIONS),
        "method": st.sampled_from(("GET", "POST")),
        "path": st.sampled_from(("/v1/*", "/v1/m*", "/v1/chat/completions")),
        "headers": st.fixed_dictionaries({"x-test-id": st.sampled_from(("a", "b"))}),
        "contains": st.sampled_from(("weather", "Paris")),
        "tools": st.booleans(),
        "model": st.sampled_from(("gpt-*", "claude-*", "gpt-4o-mini")),  # a glob, or one name (indexed)
        "body": st.sampled_from(({"/stream": True}, {"/stream": False, "/messages": []}, {"/tools": None})),
    },
)
answers = st.sampled_from(
    (
        {"status": 500},
        {"status": 503, "headers": {"Retry-After": "1"}},
        {"text": "scripted"},
        {"sequence": [{"status": 502}, {"text": "then text"}]},
    )
)
rule_documents = st.fixed_dictionaries(
    {"when": whens, "then": answers}, optional={"times": st.integers(1, 2), "name": st.just("named")}
)


@dataclass(frozen=True)
class Request:
    api: str
    operation: str
    test_id: str | None
    text: str
    tools: bool
    model: str
    stream: bool

    def body(self) -> Any:
        messages = [{"role": "user", "content": self.text}]
        tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
        if self.operation == "listModels":
            return None
        if self.operation == "createResponse":
            return {"model": self.model, "input": self.text, "stream": self.stream}
        body: dict[str, Any] = {"model": self.model, "messages": messages, "stream": self.stream}
        if self.tools:
            body["tools"] = tools
        return body


requests = st.builds(
    Request,
    api=st.sampled_from(APIS),
    operation=st.sampled_from(OPERATIONS),
    test_id=st.sampled_from((None, "a", "b")),
    text=st.sampled_from(("What is the weather in Paris?", "Hello")),
    tools=st.booleans(),
    model=st.sampled_from(("gpt-4o-mini", "claude-mock-test")),
    stream=st.booleans(),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("request"), requests),
        st.tuples(st.just("add"), st.lists(rule_documents, min_size=1, max_size=3)),
        st.tuples(st.just("remove"), st.integers(0, 20)),
        st.tuples(st.just("reset"), st.none()),
    ),
    max_size=40,
)


# -- the oracle ----------------------------------------------------------------------------------------------


@dataclass
class Linear:
    """Every rule in force, tried in order; its own counters."""

    file_rules: list[Rule]
    runtime: list[Rule] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def pick(
        self, api: MockApi, request: Request, body: Any, headers: dict[str, str]
    ) -> tuple[str, int] | None:
        op = api.operations[request.operation]
        facts = request_facts(api, op, body, headers)
        for rule in [*self.runtime, *self.file_rules]:
            if rule.times is not None and self.counts.get(rule.id, 0) >= rule.times:
                continue
            if rule.only is not None and (api.name, op.operation_id) not in rule.only:
                continue
            if matches(rule.when, facts):
                self.counts[rule.id] = self.counts.get(rule.id, 0) + 1
                return rule.id, self.counts[rule.id]
        return None


def _valid(documents: list[dict[str, Any]], apis: dict[str, MockApi]) -> list[dict[str, Any]]:
    """The rules the loader accepts (a reply the spec forbids, or no operation to name, is refused)."""
    kept = []
    for document in documents:
        try:
            parse_rules({"rules": [document]}, apis)
        except RuleError:
            continue
        kept.append(document)
    return kept


@pytest.mark.slow  # a hypothesis property, 150 scripts
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file_documents=st.lists(rule_documents, max_size=6), script=steps)
def test_indexed_pick_is_the_linear_pick(
    apis: dict[str, MockApi], file_documents: list[dict[str, Any]], script: list[tuple[str, Any]]
) -> None:
    file_documents = _valid(file_documents, apis)
    store = ControlStore()
    book = RuleBook(apis, store, file_rules=parse_rules({"rules": file_documents}, apis))
    oracle = Linear(list(book.file_rules))
    assert [rule.id for rule in book.file_rules] == [f"rule-{n}" for n in range(1, len(file_documents) + 1)]
    for kind, value in script:
        if kind == "request":
            api = apis[value.api]
            body = value.body()
            headers = {"x-test-id": value.test_id} if value.test_id is not None else {}
            picked = asyncio.run(book.pick(api, api.operations[value.operation], body, headers))
            expected = oracle.pick(api, value, body, headers)
            assert (None if picked is None else (picked.rule.id, picked.match)) == expected
            if picked is not None:
                assert picked.reply == picked.rule.reply(picked.match)
        elif kind == "add":
            documents = _valid(value, apis)
            if documents:
                ids = book.add({"rules": documents})
                by_id = {rule.id: rule for rule in book.rules()}
                oracle.runtime.extend(by_id[rule_id] for rule_id in ids)
        elif kind == "remove" and oracle.runtime:
            gone = oracle.runtime.pop(value % len(oracle.runtime))
            assert book.remove(gone.id)
            oracle.counts.pop(gone.id, None)
        elif kind == "reset":
            store.reset()
            oracle.runtime.clear()
            oracle.counts.clear()
    assert [rule.id for rule in book.rules()] == [rule.id for rule in [*oracle.runtime, *oracle.file_rules]]
    for rule in book.rules():
        assert store.matched(rule.id) == oracle.counts.get(rule.id, 0)


def test_ids_are_per_book_and_a_reset_numbers_runtime_rules_again(apis: dict[str, MockApi]) -> None:
    document = {"rules": [{"when": {"operation": "listModels"}, "then": {"status": 500}}] * 2}
    books = [
        RuleBook(apis, ControlStore(), file_rules=parse_rules(document, apis)),
        RuleBook(apis, ControlStore(), file_rules=parse_rules(document, apis)),
    ]
    for book in books:  # the same rules in two apps: the same ids
        assert [rule.id for rule in book.file_rules] == ["rule-1", "rule-2"]
        assert book.add(document) == ["rule-3", "rule-4"]
        with pytest.raises(RuleError):  # a refused document takes no numbers
            book.add({"rules": [{"when": {"operation": "nope"}, "then": {"status": 500}}]})
        assert book.remove("rule-3")
        assert book.add(document) == ["rule-5", "rule-6"]  # never an id a removed rule had
        book.store.reset()
        assert book.add(document) == ["rule-3", "rule-4"]
        assert [rule.id for rule in book.rules()] == ["rule-3", "rule-4", "rule-1", "rule-2"]


def test_a_request_tries_only_the_rules_it_may_match(
    apis: dict[str, MockApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    scoped = [{"when": {"headers": {"x-test-id": f"t-{n}"}}, "then": {"text": f"{n}"}} for n in range(5_000)]
    by_text = [{"when": {"contains": f"needle {n}."}, "then": {"text": f"{n}"}} for n in range(5_000)]
    by_model = {"when": {"model": "gpt-4o-mini", "tools": True}, "then": {"text": "tools"}}
    rules = RuleBook(apis, ControlStore(), file_rules=parse_rules({"rules": [by_model, *by_text]}, apis))
    rules.add({"rules": scoped})
    tried: list[str] = []

    def counted(when: Any, facts: Any) -> bool:
        tried.append("x")
        return holds(when, facts)

    monkeypatch.setattr(book_module, "holds", counted)
    api = apis["empiriolabs"]
    chat = api.operations["createChatCompletion"]

    def pick(text: str, test_id: str, model: str = "gpt-4o-mini") -> str | None:
        tried.clear()
        body = {"model": model, "messages": [{"role": "user", "content": text}]}
        picked = asyncio.run(rules.pick(api, chat, body, {"x-test-id": test_id}))
        return None if picked is None else picked.reply.text

    assert (pick("hello", "t-4999"), len(tried)) == ("4999", 1)
    assert (pick("about needle 42. here", "none"), len(tried)) == ("42", 2)  # the model rule, then it
    assert (pick("hello", "none", model="claude-x"), len(tried)) == (None, 0)
