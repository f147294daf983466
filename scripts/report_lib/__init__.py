"""Chart and report generator of the benchmark suite.

`scripts/report --out DIR --scenario NAME` reads DIR/NAME/bench.json (Google
Benchmark's JSON) and spectra.json, writes DIR/NAME/README.md and its charts,
then rewrites the index DIR/README.md. One concern per module:

- results.py   load bench.json/spectra.json, parse names, group repetitions
- stats.py     median, CV, factors
- fmt.py       number formatting and Markdown tables
- files.py     atomic writes
- charts.py    shared matplotlib helpers (grouped bars, footnote, saving)
- scenarios.py the registry of scenario modules (verdict() + sections(); page.py writes the page)
- pooling_*.py claim C1: verdict rule, charts, page
- index.py     DIR/README.md
"""
