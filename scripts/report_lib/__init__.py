"""Chart and report generator of the benchmark suite.

`scripts/report --out DIR --scenario NAME` reads DIR/NAME/bench.json (Google
Benchmark's JSON), spectra.json and run.json, writes DIR/NAME/README.md and its
charts, then rewrites the index DIR/README.md, and prints the headline figures.
One concern per module:

- results.py   load bench.json/spectra.json/run.json, parse names, group repetitions
- stats.py     median, CV, factors, 95 % CIs from paired repetitions (ratio_ci)
- headline.py  headline figures with their CIs, this run beside the committed reference
- verdict.py   named checks decided on CIs (passed / failed / inconclusive: noise)
- models.py    the client-model registry: colour, marker, order, label, language, Python API
- palette.py   every chart colour: one per model, the meanings (never a model's), the neutrals
- fmt.py       number formatting (factor_ci, faster_ci) and Markdown tables
- files.py     atomic writes
- charts.py    shared matplotlib helpers (bars, points for log axes, model styles, footnote with
               the measured spread, saving) and the chart rules
- page.py      every page's heading, claim, footer, and the shared parts (setup table, numbers
               table, errors, captions, caveats, verdict with its checks)
- scenarios.py the registry of scenario modules (verdict() + sections(); page.py writes the page)
- pooling_*.py claim C1: verdict rule, charts, page
- rtt_*.py     round trips a new connection costs: verdict rule, charts, page
- index.py     DIR/README.md
- compare.py   two results directories side by side (`scripts/report --compare A B`)
"""
