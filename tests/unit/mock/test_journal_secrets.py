"""The journal never gives a credential back: not in what replicas store in Redis, not to a filter.

The view redacts credential headers and body fields as it renders; but the entries replicas share
through Redis held the client's key in plain text, and ``?header=x-api-key:<guess>`` told a right
guess from a wrong one (1 match or 0).
"""

from __future__ import annotations

import json

import pytest

from gatewright.mock.journal import JournalEntry
from gatewright.spec.secrets import REDACTED

KEY = "sk-ant-JOURNAL-SECRET-0001"
TOKEN = "tok-BODY-SECRET-0002"


def _entry(*, body: bytes, refused: bool = False, cut_at: int | None = None) -> JournalEntry:
    entry = JournalEntry(
        1_700_000_000.0,
        "voxvey",
        "POST",
        "/v1/messages",
        (
            (b"Content-Type", b"application/json"),
            (b"x-api-key", KEY.encode()),
            (b"Authorization", f"Bearer {KEY}".encode()),
            (b"x-test-id", b"t-1"),
        ),
        json_body=body,
        refused=refused,
    )
    entry.fit(cut_at if cut_at is not None else 1 << 20)
    return entry


BODY = json.dumps({"model": "m", "api_key": TOKEN, "messages": [{"role": "user", "content": "hi"}]}).encode()


def _upload() -> JournalEntry:
    """A binary body: ``fit`` keeps it as a JSON string saying its size."""
    entry = _entry(body=b"")
    entry.json_body, entry.body = None, b"\x89PNG binary"
    entry.fit(1 << 20)
    return entry


@pytest.mark.parametrize(
    "entry",
    [
        _entry(body=BODY),
        _entry(body=BODY, refused=True),
        _entry(body=BODY, cut_at=40),
        _entry(body=b'"a JSON string"'),
        _upload(),
    ],
    ids=["json", "refused", "cut", "json-string", "binary"],
)
def test_what_replicas_store_holds_no_credential_and_shows_as_the_original(entry: JournalEntry) -> None:
    stored = entry.to_shared()
    assert KEY.encode() not in stored and TOKEN.encode() not in stored
    assert TOKEN.encode() not in json.dumps(json.loads(stored)).encode()
    back = JournalEntry.from_shared(stored)
    here, there = entry.view(), back.view()
    # another replica shows the entry as this one does (a cut body's ``kept`` counts its redacted text)
    assert {**there, "truncated": None} == {**here, "truncated": None}
    assert (there["truncated"] or {}).get("bytes") == (here["truncated"] or {}).get("bytes")
    assert KEY not in json.dumps(back.view()) and TOKEN not in json.dumps(back.view())


def test_a_credential_header_filter_cannot_tell_a_right_guess_from_a_wrong_one() -> None:
    entry = _entry(body=BODY)
    assert not entry.sent("x-api-key", KEY) and not entry.sent("authorization", f"Bearer {KEY}")
    assert entry.sent("x-api-key", REDACTED)  # whoever sent one, as the journal shows it
    assert entry.sent("x-test-id", "t-1") and not entry.sent("x-test-id", "t-2")
