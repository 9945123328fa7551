"""The CLI's byte budgets default to the library's own (the CLI spells them out to start fast)."""

from __future__ import annotations

import pytest

from gatewright.cli import build_parser
from gatewright.mock.blobs import DEFAULT_BUDGET
from gatewright.mock.journal import DEFAULT_ENTRY_BYTES, DEFAULT_JOURNAL_BYTES
from gatewright.proxy.options import CAPTURE_LIMIT, QUEUE_BYTES
from gatewright.spec.recording import DEFAULT_READ_BUDGET


@pytest.mark.parametrize(
    ("argv", "name", "library"),
    [
        (["mock"], "max_upload_bytes", DEFAULT_BUDGET),
        (["mock"], "journal_bytes", DEFAULT_JOURNAL_BYTES),
        (["mock"], "journal_entry_bytes", DEFAULT_ENTRY_BYTES),
        (["mock"], "replay_bytes", DEFAULT_READ_BUDGET),
        (["proxy", "--api", "ipop", "--upstream", "http://127.0.0.1:1"], "capture_bytes", CAPTURE_LIMIT),
        (["proxy", "--api", "ipop", "--upstream", "http://127.0.0.1:1"], "judge_queue_bytes", QUEUE_BYTES),
    ],
)
def test_byte_budget_defaults_are_the_librarys(argv: list[str], name: str, library: int) -> None:
    assert getattr(build_parser().parse_args(argv), name) == library


def test_a_byte_budget_help_says_its_default_in_bytes_and_mib() -> None:
    mock = build_parser()._subparsers._group_actions[0].choices["mock"]  # type: ignore[union-attr]
    text = mock.format_help()
    assert "(default 268435456: 256 MiB)" in " ".join(text.split())
