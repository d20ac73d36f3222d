#!/usr/bin/env python3
"""Sum the GoogleTest case counts of every Bazel test log into one closing line:
'tests: N passed, N failed, N skipped'."""
import pathlib
import sys
import xml.etree.ElementTree as ET

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs")
passed = failed = skipped = 0
for xml in sorted(root.rglob("test.xml")):
    try:
        tree = ET.parse(xml)
    except ET.ParseError:
        continue
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("status") == "notrun" or case.get("result") == "skipped" or case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
