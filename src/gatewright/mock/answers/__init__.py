"""LLM answers: what a chat, messages, responses, completions or embeddings request asks for, answered.

``prompt`` reads a request into a ``Prompt``; ``compose`` decides the ``Answer``; ``wire``
renders it in each family's shape; ``extension`` serves it (and hands streams the same body);
``stored`` keeps Responses answers for their retrieve, delete, cancel and input-items routes
(``response_store`` holds them, ``response_bodies`` derives their input items and ``output_text``);
``threads`` keeps the conversation of an Anthropic message thread for the turns that continue it.
"""

from __future__ import annotations

from gatewright.mock.answers.compose import Composer, IdSource
from gatewright.mock.answers.extension import AnswerExtension
from gatewright.mock.answers.prompt import read_prompt
from gatewright.mock.answers.wire import RENDERERS
from gatewright.spec.answers import Answer, Choice, Finish, OutputFormat, Prompt, Tool, ToolCall

__all__ = [
    "RENDERERS",
    "Answer",
    "AnswerExtension",
    "Choice",
    "Composer",
    "Finish",
    "IdSource",
    "OutputFormat",
    "Prompt",
    "Tool",
    "ToolCall",
    "read_prompt",
]
