"""Tests of the report generator (scripts/report_lib). Run with
scripts/python -m unittest discover -s tests/report -t . (from the repository root)."""
import os
import sys

# report_lib lives in scripts/, which is not a package: put it on the path once for every test module.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(REPO, "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)
