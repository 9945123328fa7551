"""``junit.xml``: one test case per unit x check, so CI shows exactly which check failed where."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from gatewright.conformance.bodies import visible
from gatewright.conformance.models import Finding, Report


def render_junit(report: Report) -> str:
    suites = ET.Element("testsuites", name=f"gatewright {report.api}")
    suite = ET.SubElement(suites, "testsuite", name=f"gatewright.{report.api}", time=f"{report.duration:.3f}")
    if report.interrupted:  # stopped by Ctrl-C: the cases are the units that ran
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="interrupted", value="true")
    tests = failures = errors = skipped = 0
    for unit in report.units:
        classname = f"gatewright.{report.api}.{unit.unit_id}"
        if unit.skipped is not None and not unit.failed:
            case = ET.SubElement(suite, "testcase", classname=classname, name=unit.kind, time="0")
            ET.SubElement(case, "skipped", message=unit.skipped)
            tests += 1
            skipped += 1
            continue
        if unit.error is not None:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=unit.kind, time=f"{unit.duration:.3f}"
            )
            ET.SubElement(case, "error", message=unit.error).text = unit.error
            tests += 1
            errors += 1
        for check in sorted(unit.checks):
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=classname, name=check, time="0")
            found = [f for f in unit.findings if f.check == check]
            if found:
                failures += 1
                text = "\n\n".join(_failure(f) for f in found)
                ET.SubElement(case, "failure", message=found[0].title, type=check).text = text
    for element, (key, value) in (
        (suite, kv)
        for kv in (("tests", tests), ("failures", failures), ("errors", errors), ("skipped", skipped))
    ):
        element.set(key, str(value))
    for node in suites.iter():  # XML 1.0 cannot hold control characters, not even escaped
        node.text = visible(node.text) if node.text else node.text
        for name, text in node.attrib.items():
            node.set(name, visible(text))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _failure(finding: Finding) -> str:
    status = finding.status if finding.status is not None else "no answer"
    seen = f", seen {finding.count} times" if finding.count > 1 else ""
    head = f"[{finding.phase}] {status} {finding.title}{seen}"
    return f"{head}\n{finding.message}\n\n{finding.curl}".rstrip()
