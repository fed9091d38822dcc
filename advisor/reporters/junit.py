"""JUnit XML: a test suite per file, a failing test case per finding, for CI test-report views."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from advisor.model import FileError, Finding, ScanResult
from advisor.reporters.common import TOOL_NAME, SourceView, sorted_findings

# Characters XML 1.0 cannot carry at all, escaped or not; ElementTree would write them as is.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _failure_text(f: Finding, view: SourceView, show_source: bool) -> str:
    lines = [
        f"{f.path}:{f.span.line}:{f.span.column + 1}: {f.rule} {f.message}",
        f"rule: {f.rule} ({f.name}), severity: {f.severity}, confidence: {f.confidence}",
    ]
    if f.fix_hint:
        lines.append(f"fix: {f.fix_hint}")
    if show_source:
        lines.extend(f"{line.number:>5} | {line.text}" for line in view.lines(f.path, f.span))
    return "\n".join(lines)


def junit_tree(result: ScanResult, *, show_source: bool, view: SourceView) -> ET.Element:
    by_file: dict[str, list[Finding | FileError]] = defaultdict(list)
    for f in sorted_findings(result):
        by_file[f.path].append(f)
    for e in result.errors:
        by_file[e.path].append(e)

    root = ET.Element("testsuites", name=TOOL_NAME)
    total_failures = total_errors = total_tests = 0
    for path in sorted(by_file):
        items = by_file[path]
        failures = sum(isinstance(i, Finding) for i in items)
        errors = len(items) - failures
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(path),
            tests=str(len(items)),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
        )
        for item in items:
            if isinstance(item, Finding):
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=_clean(f"{item.rule} {item.path}:{item.span.line}:{item.span.column + 1}"),
                    classname=_clean(f"{TOOL_NAME}.{item.rule}"),
                    file=_clean(item.path),
                    line=str(item.span.line),
                )
                failure = ET.SubElement(
                    case, "failure", message=_clean(item.message), type=_clean(item.rule)
                )
                failure.text = _clean(_failure_text(item, view, show_source))
            else:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=_clean(f"analyse {item.path}"),
                    classname=f"{TOOL_NAME}.file-{item.kind}",
                    file=_clean(item.path),
                )
                error = ET.SubElement(case, "error", message=_clean(item.reason), type=item.kind)
                error.text = _clean(f"{item.path}: {item.reason}")
        total_tests += len(items)
        total_failures += failures
        total_errors += errors

    if not result.findings:
        suite = ET.SubElement(
            root, "testsuite", name=TOOL_NAME, tests="1", failures="0", errors="0", skipped="0"
        )
        ET.SubElement(
            suite,
            "testcase",
            name=f"no findings in {result.files_scanned} files",
            classname=TOOL_NAME,
        )
        total_tests += 1
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", str(total_errors))
    return root


def render_junit(result: ScanResult, *, show_source: bool, view: SourceView) -> str:
    tree = junit_tree(result, show_source=show_source, view=view)
    ET.indent(tree)
    return ET.tostring(tree, encoding="unicode", xml_declaration=True) + "\n"
