"""The hand-written docs: README.md is an entry page, and every link in the docs resolves.

- README.md is at most 250 lines, links every manual, and holds no generated table (those live in
  generated pages such as results/DURATIONS.md).
- Every relative link in README.md, the manuals beside the code (servers/, clients/, bench/, rtt/,
  tests/), docs/*.md and results/DURATIONS.md resolves to a file inside the repository, and a link
  to a heading (#anchor) of a Markdown file names a heading that file has (GitHub's anchors).
"""
import os
import re
import tempfile
import unittest

from . import REPO
from report_lib import files

README = os.path.join(REPO, "README.md")
MAX_README_LINES = 250
MANUALS = ("servers/README.md", "clients/README.md", "bench/README.md", "rtt/README.md", "tests/README.md",
           "probe/README.md",
           "docs/claims.md", "docs/scenarios.md", "docs/adding-a-claim.md")
PAGES = ("README.md",) + MANUALS + ("results/DURATIONS.md",)


def without_code(text):
    """The text outside fenced code blocks (commands, not links); inline code that looks like a link
    (`[x](y)`) is dropped too."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*\]\([^`\n]*`", "", text)


def links(path):
    """The relative link targets of a Markdown file, as written (anchor included)."""
    with open(path, encoding="utf-8") as f:
        text = without_code(f.read())
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, mailto: ... are not files
            yield target


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path):
    found, seen, fenced = set(), {}, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fenced = not fenced
            m = None if fenced else re.match(r"#{1,6} (.+)", line)
            if m:
                base = slug(m.group(1))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else f"{base}-{n}")
    return found


def broken_links(page, root=REPO):
    repo = os.path.realpath(root)
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        resolved = os.path.realpath(os.path.join(os.path.dirname(page), path)) if path else os.path.realpath(page)
        if not (resolved == repo or resolved.startswith(repo + os.sep)) or not os.path.exists(resolved):
            broken.append(f"{os.path.relpath(page, root)}: {target}")
        elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
            broken.append(f"{os.path.relpath(page, root)}: {target} (no such heading)")
    return broken


class ReadmeTest(unittest.TestCase):
    def setUp(self):
        with open(README, encoding="utf-8") as f:
            self.text = f.read()

    def test_readme_is_an_entry_page(self):
        lines = self.text.count("\n")
        self.assertLessEqual(lines, MAX_README_LINES, f"README.md has {lines} lines; the manuals live beside the code")

    def test_readme_links_every_manual(self):
        targets = {t.partition("#")[0] for t in links(README)}
        self.assertEqual([m for m in MANUALS if m not in targets], [])

    def test_readme_holds_no_generated_table(self):
        self.assertFalse(files.is_generated(README), "README.md is written by hand")
        self.assertNotIn("<!-- durations", self.text)
        self.assertIn("results/DURATIONS.md", self.text)

    def test_the_two_commands(self):
        self.assertIn("scripts/bench --filter=pooling", self.text)
        self.assertIn("scripts/test", self.text)


class LinksTest(unittest.TestCase):
    def test_every_page_exists(self):
        self.assertEqual([p for p in PAGES if not os.path.isfile(os.path.join(REPO, p))], [])

    def test_every_relative_link_resolves_inside_the_repository(self):
        broken = []
        for page in PAGES:
            broken += broken_links(os.path.join(REPO, page))
        self.assertEqual(broken, [])

    def test_the_checker_catches_a_broken_link_and_a_missing_heading(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = os.path.join(tmp, "repo")
            os.mkdir(root)
            with open(os.path.join(tmp, "x.md"), "w", encoding="utf-8") as f:
                f.write("# Exists, outside the tree checked\n")
            with open(os.path.join(root, "other.md"), "w", encoding="utf-8") as f:
                f.write("# Other\n\n## Layout\n\n## Layout\n")
            page = os.path.join(root, "page.md")
            with open(page, "w", encoding="utf-8") as f:
                f.write("# Title\n\n## A `code` heading (with: punctuation)\n\n"
                        "[ok](#a-code-heading-with-punctuation) [ok](other.md#layout-1) [ok](https://example.org) "
                        "[bad](no/such/file.md) [bad](#missing) [bad](other.md#layout-2) [outside](../x.md)\n\n"
                        "```\n[not a link](nowhere.md)\n```\n")
            broken = [b.split(": ", 1)[1] for b in broken_links(page, root)]
        self.assertEqual(broken, ["no/such/file.md", "#missing (no such heading)",
                                  "other.md#layout-2 (no such heading)", "../x.md"])

if __name__ == "__main__":
    unittest.main()
