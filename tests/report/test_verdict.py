import unittest

from . import helpers
from report_lib import results
from report_lib import pooling_verdict as pv

MODELS = ("blocking_curl", "curl_multi", "asio_coro")


def factors(http, https):
    out = {}
    for m in MODELS:
        out[(m, "http")] = http[m] if isinstance(http, dict) else http
        out[(m, "https")] = https[m] if isinstance(https, dict) else https
    return out


class PoolingVerdictTest(unittest.TestCase):
    def test_confirmed_when_every_model_gains_on_both_protocols(self):
        v = pv.decide(helpers.pooling_runs(factors(http=3.0, https=30.0)))
        self.assertEqual(v.word, "confirmed")
        self.assertTrue(v.line.startswith("Confirmed: pooling is 30.0x faster over HTTPS (95 % CI 30.0–30.0x)"),
                        v.line)
        self.assertIn("3.00x faster over plain HTTP", v.line)
        self.assertIn("Python peers not measured in this run", v.line)

    def test_nuanced_when_https_gains_but_http_barely(self):
        v = pv.decide(helpers.pooling_runs(factors(http=1.3, https=20.0)))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("1.30x faster over plain HTTP (95 % CI 1.30–1.30x)", v.line)
        self.assertIn("F over HTTP (C++ median): 1.30x (95 % CI 1.30–1.30x), needs ≥ 1.5x.", v.line)

    def test_nuanced_when_one_model_does_not_gain(self):
        http = {"blocking_curl": 1.1, "curl_multi": 3.0, "asio_coro": 4.0}
        v = pv.decide(helpers.pooling_runs(factors(http=http, https=20.0)))
        self.assertEqual(v.word, "nuanced")
        self.assertIn("`blocking_curl` gains over HTTP: 1.10x", v.line)

    def test_refuted_when_pooling_buys_nothing(self):
        v = pv.decide(helpers.pooling_runs(factors(http=1.0, https=1.1)))
        self.assertEqual(v.word, "refuted")
        self.assertTrue(v.line.startswith("Refuted:"), v.line)

    def test_slower_pooled_reads_as_slower(self):
        v = pv.decide(helpers.pooling_runs(factors(http=0.8, https=0.9)))
        self.assertEqual(v.word, "refuted")
        self.assertIn("0.900x as fast (slower) over HTTPS", v.line)

    def test_inconclusive_without_an_error_free_pair(self):
        name = "pooling/asio_coro/%s/http/c:32/delay_ms:0"
        entries = helpers.reps(name % "pool", [5000]) + helpers.reps(name % "nopool", [1000], errors=4)
        v = pv.decide(results.group_benchmarks(entries))
        self.assertEqual(v.word, "inconclusive")

    def test_pairs_with_errors_are_left_out_of_the_factor(self):
        runs = helpers.pooling_runs(factors(http=3.0, https=30.0))
        entries = helpers.reps("pooling/threads_curl/pool/http/c:32/delay_ms:0", [100000])
        entries += helpers.reps("pooling/threads_curl/nopool/http/c:32/delay_ms:0", [1000], errors=7)
        runs += results.group_benchmarks(entries)
        v = pv.decide(runs)
        self.assertEqual(v.word, "confirmed")
        self.assertAlmostEqual(v.factors[("http", 0)], 3.0)  # not pulled up by the 100x pair

    def test_delay_factors_are_quoted_but_do_not_change_the_word(self):
        runs = helpers.pooling_runs(factors(http=3.0, https=30.0))
        runs += helpers.pooling_runs(factors(http=1.02, https=4.0), delay=5)
        v = pv.decide(runs)
        self.assertEqual(v.word, "confirmed")
        self.assertIn("with a 5 ms server delay 4.00x faster over HTTPS (95 % CI 4.00–4.00x), 1.02x faster over "
                      "HTTP", v.line)

    def test_noisy_repetitions_make_it_inconclusive_not_confirmed(self):
        # A run under load: every model's median factor is above the bounds, but one model's
        # repetitions swing so much (CV near 60 %) that its interval straddles 1.2x.
        runs = helpers.pooling_runs(factors(http={"blocking_curl": 3.0, "curl_multi": 3.0, "asio_coro": 3.0},
                                            https=30.0))
        runs = [r for r in runs if "threads_curl" not in r.name.text]
        name = "pooling/threads_curl/%s/http/c:32/delay_ms:0"
        entries = helpers.reps(name % "pool", [4000, 1000, 3600]) + helpers.reps(name % "nopool", [1000, 1100, 1200])
        entries += helpers.reps(name.replace("http", "https") % "pool", [30000] * 3)
        entries += helpers.reps(name.replace("http", "https") % "nopool", [1000] * 3)
        runs += results.group_benchmarks(entries)
        pair = [p for p in pv.pairs(runs, 0) if p.model == "threads_curl" and p.proto == "http"][0]
        self.assertGreater(pair.factor_cv, 0.5)
        v = pv.decide(runs)
        self.assertEqual(v.word, "inconclusive: noise", v.line)
        self.assertTrue(v.line.startswith("Inconclusive: noise: pooling is"), v.line)
        self.assertIn("Undecided by noise: `threads_curl` gains over HTTP:", v.line)

    def test_python_figures_are_quoted_and_kept_out_of_the_cpp_median(self):
        f = factors(http=3.0, https=30.0)
        f[("py_aiohttp", "http")], f[("py_aiohttp", "https")] = 1.8, 9.0
        f[("py_requests", "http")], f[("py_requests", "https")] = 2.5, 12.0
        v = pv.decide(helpers.pooling_runs(f))
        self.assertEqual(v.word, "confirmed", v.line)
        self.assertAlmostEqual(v.factors[("https", 0)], 30.0)  # C++ only: the mechanism
        self.assertIn("aiohttp (`ClientSession` reused vs one per request) 9.00x faster over HTTPS", v.line)
        self.assertIn("requests (`Session` vs `requests.get`) 12.0x faster over HTTPS", v.line)
        self.assertTrue(any("`py_aiohttp` (Python)" in c.name for c in v.checks))

    def test_delay_without_difference_says_no_difference(self):
        runs = helpers.pooling_runs(factors(http=3.0, https=30.0))
        name = "pooling/asio_coro/%s/http/c:32/delay_ms:5"
        runs += results.group_benchmarks(helpers.reps(name % "pool", [1000, 1010, 990])
                                         + helpers.reps(name % "nopool", [1000, 1000, 1000]))
        v = pv.decide(runs)
        self.assertIn("no difference over HTTP (1.00x, 95 % CI", v.line)
        self.assertNotIn("1.00x faster over HTTP", v.line)


class SignatureTest(unittest.TestCase):
    def test_pooled_opens_one_per_worker_unpooled_one_per_request(self):
        runs = helpers.pooling_runs(factors(http=3.0, https=30.0))
        checks = pv.signature(runs)
        self.assertEqual(len(checks), len(runs))
        self.assertTrue(all(s.holds for s in checks))

    def test_unpooled_run_reusing_connections_breaks_the_signature(self):
        runs = results.group_benchmarks(
            helpers.reps("pooling/curl_multi/nopool/http/c:32/delay_ms:0", [1000], requests=4000, conns=32))
        [check] = pv.signature(runs)
        self.assertFalse(check.holds)


class SessionCacheTest(unittest.TestCase):
    def test_cache_effect_pairs_on_and_off(self):
        base = "pooling/curl_multi/nopool/https/c:32/delay_ms:0"
        entries = helpers.reps(base, [1500], tls_handshakes=4000, tls_resumed=3968)
        entries += helpers.reps(base + "/session_cache:off", [750], tls_handshakes=4000, tls_resumed=0)
        [effect] = pv.cache_effects(results.group_benchmarks(entries))
        self.assertEqual(effect.factor, 2.0)
        self.assertAlmostEqual(effect.resumed_fraction, 0.992)


if __name__ == "__main__":
    unittest.main()
