"""The type check: mypy (Debian's python3-mypy) over the report package, the Python experiments,
the client models and the examples, with the repository's mypy.ini, must find nothing. A failure
prints mypy's own lines (file:line: error: ...). Alone: /usr/bin/python3 -m mypy, then
/usr/bin/python3 -m mypy examples, from the repository's root (tests/README.md, "Type check")."""
import os
import subprocess
import unittest

from . import REPO

PYTHON = "/usr/bin/python3"  # Debian's, which has python3-mypy (scripts/setup installs it)
# mypy.ini's `files` (the report package, bench's Python, the client models), then the examples in
# a run of their own: examples/timeouts.py and bench/scenarios/python/timeouts.py would both be the
# top-level module "timeouts" in one run.
RUNS = ([], ["examples"])


def mypy_available():
    return subprocess.run([PYTHON, "-c", "import mypy"], capture_output=True).returncode == 0


class TypeCheckTest(unittest.TestCase):
    def test_mypy_finds_no_error(self):
        self.assertTrue(mypy_available(),
                        f"{PYTHON} has no mypy: install Debian's python3-mypy (scripts/setup does)")
        for extra in RUNS:
            command = [PYTHON, "-m", "mypy", "--config-file", os.path.join(REPO, "mypy.ini"), *extra]
            with self.subTest(" ".join(["mypy", *extra])):
                done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
                self.assertEqual(done.returncode, 0, f"{' '.join(command)} (in {REPO}) found errors:\n"
                                                     f"{done.stdout}{done.stderr}")
                self.assertIn("Success: no issues found", done.stdout)


if __name__ == "__main__":
    unittest.main()
