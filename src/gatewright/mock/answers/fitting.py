"""A compatible answer laid over the spec's own body and checked: the last step of every answer.

A wire body (``wire.RENDERERS``) is laid over the minimal body the operation's response schema
requires (``mock.fit``), so the API's own required fields stay, and the whole is checked against
that schema with formats. What the schema refuses is left out and said once per operation. Where the
spec lacks room for what an answer holds beside the wire's basics (thinking blocks, a Responses
reasoning item, reasoning details in its usage), the answer goes without them when that keeps more of
it than the fit alone would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from multidict import CIMultiDict

from gatewright.mock.answer_headers import merged
from gatewright.mock.answers.wire import REASONING_ASKED, RENDERERS
from gatewright.mock.fit import fit
from gatewright.mock.negotiation import Decision
from gatewright.mock.operations import MockApi, MockOperation
from gatewright.mock.render import response_headers
from gatewright.spec.answers import Answer

__all__ = ["Fitter", "Plan", "plan_of"]

log = logging.getLogger("gatewright.mock.answers")


@dataclass(frozen=True, slots=True)
class Plan:
    """What every answer at one response schema of an operation shares, worked out once (one lookup
    a request, where the base, the validator and the required headers were three)."""

    base: Any  # what the spec itself requires of the body (required fields only)
    is_valid: Callable[[Any], bool]  # the output check of the schema (formats included)
    headers: tuple[tuple[str, str], ...]  # values for the response headers the spec marks required
    sent: CIMultiDict[str]  # those with the body's media type: what an answer is sent with (never changed)


def plan_of(api: MockApi, op: MockOperation, decision: Decision) -> Plan:
    """What every answer at ``decision``'s media schema shares (``Plan``), worked out on its first answer
    (a media schema's pointer names its response: two responses sharing a ``$ref`` have a plan each)."""
    media = decision.media
    assert media is not None and media.schema_pointer is not None
    key = ("answer-plan", media.schema_pointer)
    plan = op.body_cache.get(key)
    if plan is None:
        headers = response_headers(api, op, decision.response)
        plan = Plan(
            api.generator.generate(media.schema_pointer, minimal=True),
            api.schemas.validator(media.schema_pointer, formats=True).is_valid,
            headers,
            merged(headers, media_type=media.media_type),
        )
        op.body_cache[key] = plan
    assert isinstance(plan, Plan)
    return plan


class Fitter:
    """Lays answers over their spec's body (``fitted``), warning once per operation of what it left out."""

    def __init__(self) -> None:
        self._warned: set[tuple[str, str]] = set()

    def fitted(
        self,
        api: MockApi,
        op: MockOperation,
        plan: Plan,
        pointer: str,
        top: dict[str, Any],
        *,
        answer: Answer | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], Answer | None]:
        """``top`` (rendered from ``answer`` for ``request`` in the operation's wire, if it was) over the
        spec's body, checked; and the answer it now renders (without what the spec has no room for)."""
        fitted, complete = fit(plan.base, top, plan.is_valid)
        wire = op.wire
        plainer = _plainer(answer, wire) if not complete and answer is not None and wire is not None else None
        if plainer is not None:
            assert wire is not None
            # A spec whose answers hold no thinking blocks or reasoning items, or whose usage no reasoning
            # details: the answer without them, where the fit would drop the whole part they are in.
            plain_top = RENDERERS[wire](plainer, request if request is not None else {})
            plain, complete = fit(plan.base, plain_top, plan.is_valid)
            if complete or _kept(plain, plain_top) > _kept(fitted, top):  # else they cost it nothing
                answer, top, fitted = plainer, plain_top, plain
        if not complete:
            self._warn(api, op, pointer, top)
        return (fitted if isinstance(fitted, dict) else top), answer

    def _warn(self, api: MockApi, op: MockOperation, pointer: str, top: dict[str, Any]) -> None:
        """The spec forbids part of the compatible answer: say so once per operation."""
        if (api.name, op.operation_id) in self._warned:
            return
        self._warned.add((api.name, op.operation_id))
        errors = api.schemas.errors(pointer, top, formats=True, limit=3)
        log.warning(
            "%s %s: the spec forbids part of the %s answer, sent without it: %s",
            api.name,
            op.operation_id,
            op.wire or "rerank",
            "; ".join(f"{e.path or '/'}: {e.message}" for e in errors),
        )


def _plainer(answer: Answer, wire: str) -> Answer | None:
    """``answer`` without what a spec may lack room for beside the wire's basics: the thinking before its
    choices (and the tokens it billed), a Responses reasoning item (ipop's output items are only messages
    and function calls: its reasoning stays billed, and a text it left empty is an empty message again),
    and where the wire states them only when asked (``REASONING_ASKED``) its hidden reasoning tokens
    (still billed: the usage stays true); None where it holds none of them."""
    unstate = wire in REASONING_ASKED
    if not any(
        c.thinking is not None or c.summary is not None or (unstate and c.reasoning is not None)
        for c in answer.choices
    ):
        return None
    choices = tuple(
        replace(
            choice,
            thinking=None,
            thinking_tokens=0,
            summary=None,
            reasoning=None if unstate else choice.reasoning,
            tokens=choice.tokens - choice.thinking_tokens,
        )
        for choice in answer.choices
    )
    return replace(answer, choices=choices)


def _kept(fitted: Any, top: dict[str, Any]) -> int:
    """How many of ``top``'s parts a fit kept as they were (the spec's refusals drop the others)."""
    return sum(1 for key, part in top.items() if isinstance(fitted, dict) and fitted.get(key) == part)
