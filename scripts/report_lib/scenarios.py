"""The scenario modules the report knows. Adding a scenario (limits,
blocking, sync_vs_async, rtt, ...) is one module with

    NAME, TITLE, HEADLINE_CHART      (chart path relative to DIR/<NAME>/)
    verdict(results) -> object with .word and .line (one Markdown sentence)
    write_page(results, charts=True) -> path of DIR/<NAME>/README.md

and one line in SCENARIOS below.
"""
from . import pooling, sync_vs_async, limits, blocking
from . import rtt

SCENARIOS = {m.NAME: m for m in (pooling, sync_vs_async, limits, blocking, rtt)}


def get(name):
    return SCENARIOS.get(name)


def known():
    return sorted(SCENARIOS)
