// Scenario `pooling` (claim C1): one pooled session vs a new connection per
// request, for every client model, C++ and Python (requests, aiohttp: the
// libraries the claim names), over HTTP and HTTPS, at server delay 0 and 5 ms.
// Signature: the server accepts one connection per worker when pooled and one
// per request when not. Over HTTPS the curl models also run unpooled with
// libcurl's TLS session cache off, to show what resumption saves.
#include <string>
#include <vector>

#include "model_benchmark.hpp"
#include "scenario.hpp"

namespace bench {
namespace {

struct PoolingConfig {
  std::string model;
  bool pooling = true;
  bool https = false;
  double delay_ms = 0;
  bool session_cache = true;
  bool system_ca_bundle = false;  // HTTPS verified against the system bundle + mockd's certificate
};

bool is_sequential(const std::string& model) {
  return model == "blocking_curl" || model == "blocking_httplib" || model == "py_requests";
}

bool is_python(const std::string& model) {
  return model.starts_with("py_");
}

bool is_curl(const std::string& model) {
  return model.find("curl") != std::string::npos;
}

// Enough requests for a run of about a second on this kind of machine (a
// shorter one is at the mercy of the scheduler); full TLS handshakes cost
// milliseconds of CPU each, so unpooled HTTPS runs fewer.
std::size_t requests_for(const PoolingConfig& c, bool quick) {
  // The Python models make 60 to 1,500 requests a second here, 10 to 100
  // times fewer than the C++ ones; requests.get over HTTPS is the slowest (a
  // new SSLContext and a full handshake per request). Quick runs make a fifth as many or fewer.
  if (is_python(c.model)) {
    const bool sequential = is_sequential(c.model);
    // Loading the system bundle takes ~23 ms here: about 25 new sessions a second.
    if (c.system_ca_bundle && !c.pooling)
      return quick ? (sequential ? 10 : 32) : (sequential ? 30 : 64);
    if (quick) return c.https && !c.pooling ? (sequential ? 20 : 64) : (sequential ? 100 : 320);
    if (c.https && !c.pooling) return sequential ? 60 : 400;
    if (c.delay_ms > 0) return sequential ? 150 : 1000;
    if (c.https) return sequential ? 300 : 1200;
    return c.pooling ? (sequential ? 500 : 1600) : (sequential ? 300 : 1000);
  }
  if (quick) return is_sequential(c.model) ? 100 : 320;
  if (c.delay_ms > 0) return is_sequential(c.model) ? 200 : 6400;
  if (c.https && !c.pooling) return is_sequential(c.model) ? 800 : 1280;
  if (!c.pooling) return 10'000;
  return is_sequential(c.model) ? 10'000 : 40'000;
}

std::string name_of(const PoolingConfig& c, int concurrency) {
  char delay[32];
  std::snprintf(delay, sizeof delay, "%g", c.delay_ms);
  return "pooling/" + c.model + "/" + (c.pooling ? "pool" : "nopool") + "/" +
         (c.https ? "https" : "http") + "/c:" + std::to_string(concurrency) + "/delay_ms:" + delay +
         (c.session_cache ? "" : "/session_cache:off") +
         (c.system_ca_bundle ? "/ca_bundle:system" : "");
}

void register_pooling(ScenarioContext& context) {
  const bool quick = context.options().quick;
  const std::vector<double> delays = quick ? std::vector<double>{0} : std::vector<double>{0, 5};
  std::vector<PoolingConfig> configs;
  for (const std::string model :
       {"blocking_curl", "blocking_httplib", "threads_curl", "curl_multi", "asio_coro",
        "py_requests", "py_requests_threads", "py_aiohttp", "py_aiohttp_uvloop"})
    for (double delay : delays)
      for (bool https : {false, true})
        for (bool pooling : {true, false}) {
          configs.push_back({model, pooling, https, delay, true});
          if (https && !pooling && is_curl(model))
            configs.push_back({model, pooling, https, delay, false});
          // Python's TLS clients load the CA bundle for every new SSL context
          // (requests.get: every call; aiohttp: every session), so what a
          // session per request costs depends on the bundle's size: with the
          // system's (as verifying a public site does) as well as mockd's own.
          if (https && delay == 0 && (model == "py_requests" || model == "py_aiohttp"))
            configs.push_back({model, pooling, https, delay, true, true});
        }

  for (const auto& c : configs) {
    const int concurrency = is_sequential(c.model) ? 1 : 32;
    ModelBenchmark spec;
    spec.name = name_of(c, concurrency);
    spec.model = c.model;
    spec.https = c.https;
    char target[64];
    std::snprintf(target, sizeof target, "/?delay_ms=%g", c.delay_ms);
    spec.target = target;
    spec.plan.requests = requests_for(c, quick);
    spec.plan.concurrency = static_cast<std::size_t>(concurrency);
    spec.plan.pooling = c.pooling;
    spec.plan.tls_session_cache = c.session_cache;
    spec.system_ca_bundle = c.system_ca_bundle;
    spec.plan.timeout = std::chrono::seconds(10);
    spec.plan.expected_bytes = 16;  // mockd's default body
    context.add(spec.name, [&context, spec, delay = c.delay_ms](benchmark::State& state) {
      run_model_benchmark(state, context, spec);
      state.counters["delay_ms"] = delay;
    });
  }
}

const ScenarioRegistrar registrar({"pooling", register_pooling});

}  // namespace
}  // namespace bench
