"""Rules that program the mock: scripted answers, sequences, faults (README, "Programming the mock").

``loader`` reads and checks a rules document (``fields`` each field of a rule, ``allowed`` what
the spec lets it answer), ``matcher`` decides whether a rule applies,
``book`` holds the rules in force (numbered, indexed by operation) and the global faults,
``index`` finds the few rules of an operation a request may match, ``apply`` turns a reply
into the mock's answer.
"""

from __future__ import annotations

from gatewright.mock.rules.book import FaultSettings, Picked, RuleBook
from gatewright.mock.rules.loader import RuleError, load_rules, parse_rules
from gatewright.mock.rules.models import FAULT_STATUSES, Reply, Rule, ToolCallScript, When

__all__ = [
    "FAULT_STATUSES",
    "FaultSettings",
    "Picked",
    "Reply",
    "Rule",
    "RuleBook",
    "RuleError",
    "ToolCallScript",
    "When",
    "load_rules",
    "parse_rules",
]
