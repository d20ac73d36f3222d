"""scripts/summarize_tests.py on hand-written Bazel test logs: failures listed first with their
target, case and the message's first line (and location), the totals line last."""
import contextlib
import io
import pathlib
import tempfile
import unittest

import summarize_tests

PASSING = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="A">
  <testcase name="Works" classname="A" status="run" result="completed"/>
  <testcase name="Skips" classname="A" status="run" result="skipped"><skipped message="no data"/></testcase>
  <testcase name="Disabled" classname="A" status="notrun"/>
</testsuite></testsuites>"""

FAILING = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="B">
  <testcase name="Fine" classname="B" status="run" result="completed"/>
  <testcase name="Breaks" classname="B" status="run" result="completed">
    <failure message="tools/b_test.cc:42&#10;Expected equality of these values:&#10;  1&#10;  2" type=""/>
  </testcase>
</testsuite></testsuites>"""

CRASHED = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="tools/c_test" tests="1" failures="0" errors="1">
  <testcase name="tools/c_test" status="run"><error message="exited with error code 134"></error></testcase>
</testsuite></testsuites>"""


class SummarizeTests(unittest.TestCase):
    def run_on(self, logs):
        with tempfile.TemporaryDirectory() as d:
            root = pathlib.Path(d)
            for target, text in logs.items():
                (root / target).mkdir(parents=True)
                (root / target / "test.xml").write_text(text)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                summarize_tests.main(["summarize_tests.py", str(root)])
            return out.getvalue().splitlines()

    def test_failures_first_then_totals(self):
        lines = self.run_on({"data/a_test": PASSING, "tools/b_test": FAILING, "tools/c_test": CRASHED})
        self.assertEqual(lines, [
            "FAILED tools/b_test B.Breaks: tools/b_test.cc:42: Expected equality of these values:",
            "FAILED tools/c_test tools/c_test: exited with error code 134",
            "tests: 2 passed, 2 failed, 2 skipped",
        ])

    def test_all_passing_prints_only_totals(self):
        self.assertEqual(self.run_on({"data/a_test": PASSING}), ["tests: 1 passed, 0 failed, 2 skipped"])

    def test_an_unreadable_log_counts_as_a_failure(self):
        lines = self.run_on({"x/broken": "<testsuites><testsuite"})
        self.assertTrue(lines[0].startswith("FAILED x/broken (test.xml): unreadable test log"), lines)
        self.assertEqual(lines[-1], "tests: 0 passed, 1 failed, 0 skipped")


if __name__ == "__main__":
    unittest.main()
