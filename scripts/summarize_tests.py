#!/usr/bin/env python3
"""Summarise the GoogleTest results of every Bazel test log (bazel-testlogs/**/test.xml).

Failing test cases come first, one line each: the test target, the case's name and the first
line of its message (with the file:line where it failed); then the closing line
'tests: N passed, N failed, N skipped'.

    scripts/summarize_tests.py [bazel-testlogs]
"""
import pathlib
import sys
import xml.etree.ElementTree as ET


def first_line(text):
    """The failure's location and first line: gtest writes 'file.cc:123' alone on the first line."""
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    if not lines:
        return "(no message)"
    head = lines[0]
    location = head.rsplit(":", 1)
    if len(lines) > 1 and len(location) == 2 and location[1].isdigit():
        return f"{head}: {lines[1]}"
    return head


def summarize(root):
    """(passed, failed, skipped, [(target, case, message)]) over every test.xml under root."""
    passed = failed = skipped = 0
    failures = []
    for xml in sorted(root.rglob("test.xml")):
        target = str(xml.parent.relative_to(root))
        try:
            tree = ET.parse(xml)
        except ET.ParseError as e:
            failed += 1
            failures.append((target, "(test.xml)", f"unreadable test log: {e}"))
            continue
        for case in tree.iter("testcase"):
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is not None:
                failed += 1
                name = case.get("name", "?")
                if case.get("classname"):
                    name = f"{case.get('classname')}.{name}"
                failures.append((target, name, first_line(problem.get("message") or problem.text)))
            elif case.get("status") == "notrun" or case.get("result") == "skipped" or case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped, failures


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else "bazel-testlogs")
    passed, failed, skipped, failures = summarize(root)
    for target, name, message in failures:
        print(f"FAILED {target} {name}: {message}")
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
