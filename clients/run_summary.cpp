#include "run_summary.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>

namespace clients {
namespace {

using std::chrono::duration;

std::string line(const char* format, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

}  // namespace

std::vector<HistogramBucket> latency_histogram(const std::vector<double>& latencies_us) {
  if (latencies_us.empty()) return {};
  const auto [lo, hi] = std::minmax_element(latencies_us.begin(), latencies_us.end());
  const double fastest = *lo, width = (*hi - *lo) / static_cast<double>(kHistogramBuckets - 1);
  std::vector<HistogramBucket> buckets(kHistogramBuckets);
  for (std::size_t i = 0; i < kHistogramBuckets; ++i)
    buckets[i].upper_us = fastest + width * static_cast<double>(i);
  buckets.back().upper_us = *hi;  // exactly the slowest, whatever the rounding
  for (const double v : latencies_us) {
    // The first bound at or above v; rounding may put v one bucket off, so check.
    auto i = width > 0 ? static_cast<std::size_t>(std::ceil((v - fastest) / width)) : 0;
    i = std::min(i, kHistogramBuckets - 1);
    while (i + 1 < kHistogramBuckets && buckets[i].upper_us < v) ++i;
    while (i > 0 && buckets[i - 1].upper_us >= v) --i;
    ++buckets[i].count;
  }
  return buckets;
}

std::size_t peak_in_flight(const std::vector<Sample>& samples) {
  std::vector<Clock::time_point> starts, ends;
  starts.reserve(samples.size());
  ends.reserve(samples.size());
  for (const Sample& x : samples) {
    starts.push_back(x.start);
    ends.push_back(x.end);
  }
  std::sort(starts.begin(), starts.end());
  std::sort(ends.begin(), ends.end());
  // A sweep over the starts: those begun so far, less those ended by then.
  // Signed: among equal starts, a zero-length request's end may be counted
  // before its start; the count is right again at the last of them.
  std::ptrdiff_t in_flight = 0, peak = 0;
  std::size_t ended = 0;
  for (const auto start : starts) {
    for (; ended < ends.size() && ends[ended] <= start; ++ended) --in_flight;
    peak = std::max(peak, ++in_flight);
  }
  return static_cast<std::size_t>(peak);
}

RunSummary summarize(const RunResult& r) {
  RunSummary s;
  s.model = r.model;
  s.requests = r.samples.size();
  s.wall_s = duration<double>(r.wall).count();
  std::vector<double> latencies_us;
  std::map<ErrorKind, std::size_t> errors;
  for (const Sample& x : r.samples) {
    ++s.status_codes[x.status];
    if (x.error == ErrorKind::none)
      latencies_us.push_back(duration<double, std::micro>(x.latency).count());
    else
      ++errors[x.error];
  }
  s.ok = latencies_us.size();
  s.requests_per_s = s.wall_s > 0 ? static_cast<double>(s.ok) / s.wall_s : 0;
  s.errors_per_s = s.wall_s > 0 ? static_cast<double>(s.requests - s.ok) / s.wall_s : 0;
  s.histogram = latency_histogram(latencies_us);
  s.latency_us = latency_stats(std::move(latencies_us));
  for (const auto& [kind, n] : errors) s.errors[std::string(to_string(kind))] = n;
  s.connections_opened = r.connections_opened;
  s.peak_concurrency = peak_in_flight(r.samples);
  s.cpu_s = duration<double>(r.cpu).count();
  s.peak_rss_kib = r.peak_rss_kib;
  s.threads = r.threads;
  s.error_examples = r.error_examples;
  for (const auto& [status, reason] : r.status_reasons)
    if (!reason.empty()) s.status_reasons.emplace(status, reason);
  s.startup_ms = r.startup_ms;
  s.details = r.details;
  return s;
}

nlohmann::json to_json(const RunSummary& s) {
  const auto& l = s.latency_us;
  nlohmann::json status_codes = nlohmann::json::object();
  for (const auto& [code, n] : s.status_codes) status_codes[std::to_string(code)] = n;
  nlohmann::json status_reasons = nlohmann::json::object();
  for (const auto& [code, reason] : s.status_reasons) status_reasons[std::to_string(code)] = reason;
  nlohmann::json histogram = nlohmann::json::array();
  for (const auto& b : s.histogram)
    histogram.push_back({{"upper_us", b.upper_us}, {"count", b.count}});
  nlohmann::json j = {
      {"model", s.model},
      {"requests", s.requests},
      {"ok", s.ok},
      {"wall_s", s.wall_s},
      {"requests_per_s", s.requests_per_s},
      {"errors_per_s", s.errors_per_s},
      {"latency_us",
       {{"count", l.count},
        {"min", l.min},
        {"mean", l.mean},
        {"stddev", l.stddev},
        {"p50", l.p50},
        {"p90", l.p90},
        {"p99", l.p99},
        {"p99.9", l.p999},
        {"max", l.max}}},
      {"latency_histogram", histogram},
      {"connections_opened", s.connections_opened},
      {"peak_concurrency", s.peak_concurrency},
      {"errors", s.errors},
      {"status_codes", status_codes},
      {"cpu_s", s.cpu_s},
      {"peak_rss_kib", s.peak_rss_kib},
      {"threads", s.threads},
      {"error_examples", s.error_examples},
      {"status_reasons", status_reasons},
  };
  // Only for the models that have them (the Python models), so the C++
  // models' JSON is unchanged.
  if (s.startup_ms) j["startup_ms"] = *s.startup_ms;
  if (!s.details.empty()) j["details"] = s.details;
  return j;
}

nlohmann::json to_json(const Plan& p) {
  nlohmann::json j = {
      {"urls", p.urls},
      {"requests", p.requests},
      {"concurrency", p.concurrency},
      {"semaphore", p.semaphore},
      {"pooling", p.pooling},
      {"limit", p.limit},
      {"limit_per_host", p.limit_per_host},
      {"timeout_ms", p.timeout.count()},
      {"keepalive_timeout_ms", p.keepalive_timeout.count()},
      {"rate_per_s", p.rate_per_s ? nlohmann::json(*p.rate_per_s) : nlohmann::json(nullptr)},
      {"insecure", p.insecure},
      {"cacert", p.cacert},
      {"tls_session_cache", p.tls_session_cache},
      {"expected_status", p.expected_status},
      {"expected_bytes",
       p.expected_bytes ? nlohmann::json(*p.expected_bytes) : nlohmann::json(nullptr)},
      {"duration_ms", p.duration ? nlohmann::json(p.duration->count()) : nlohmann::json(nullptr)},
      {"method", p.method},
      {"headers", p.headers},
      // Its size only: a body may be megabytes, and binary.
      {"body_bytes", p.body.size()},
  };
  return j;
}

std::string format_summary(const RunSummary& s) {
  const auto& l = s.latency_us;
  const auto ms = [](double us) { return us / 1000.0; };
  std::string out = "Model:        " + s.model + "\n";
  out += line("Requests:     %zu in %.3f s, %zu ok, %zu failed\n", s.requests, s.wall_s, s.ok,
              s.requests - s.ok);
  out += line("Throughput:   %.1f req/s (successful only)", s.requests_per_s);
  if (s.ok != s.requests) out += line(", %.1f failed/s", s.errors_per_s);
  out += "\n";
  if (l.count > 0) {
    out += line("Latency (ms): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n", ms(l.p50),
                ms(l.p90), ms(l.p99), ms(l.p999), ms(l.max));
    out += line("              min %.3f  mean %.3f  stddev %.3f\n", ms(l.min), ms(l.mean),
                ms(l.stddev));
  }
  if (!s.histogram.empty()) {
    out += "Latency histogram (ms):\n";
    std::size_t most = 0;
    for (const auto& b : s.histogram) most = std::max(most, b.count);
    // hey's layout, with the counts padded to one width instead of a tab.
    constexpr std::size_t kBarWidth = 40;
    const int count_width = std::snprintf(nullptr, 0, "[%zu]", most);
    for (const auto& b : s.histogram) {
      char count[32];
      std::snprintf(count, sizeof count, "[%zu]", b.count);
      out += line("  %10.3f %-*s |%s\n", ms(b.upper_us), count_width, count,
                  std::string((b.count * kBarWidth + most / 2) / most, '#').c_str());
    }
  }
  out += line("In flight:    at most %zu requests at once\n", s.peak_concurrency);
  out += line("Connections:  %zu opened\n", s.connections_opened);
  if (!s.errors.empty()) {
    out += "Errors:      ";
    for (const auto& [kind, n] : s.errors) out += line(" %s %zu", kind.c_str(), n);
    out += "\n";
    for (const auto& e : s.error_examples) out += "  e.g. " + e + "\n";
    // Why the server refused, beside how often: "400 x 1000: delay_ms: must be ...".
    for (const auto& [code, reason] : s.status_reasons) {
      const auto n = s.status_codes.find(code);
      out += line("  %d x %zu: ", code, n == s.status_codes.end() ? 0 : n->second) + reason + "\n";
    }
  }
  out += "Status codes:";
  for (const auto& [code, n] : s.status_codes)
    out += code == 0 ? line(" none %zu", n) : line(" %d: %zu", code, n);
  out += "\n";
  const double cpu_pct = s.wall_s > 0 ? 100.0 * s.cpu_s / s.wall_s : 0;
  out += line("CPU:          %.3f s (%.0f%% of one core)\n", s.cpu_s, cpu_pct);
  out += line("Memory:       peak RSS %.1f MiB\n", static_cast<double>(s.peak_rss_kib) / 1024.0);
  out += line("Threads:      %zu\n", s.threads);
  if (s.startup_ms)
    out += line("Start-up:     %.1f ms (interpreter and imports, not in the timed run)\n",
                *s.startup_ms);
  if (!s.details.empty()) {
    out += "Details:     ";
    for (const auto& [key, value] : s.details) out += " " + key + "=" + value;
    out += "\n";
  }
  return out;
}

}  // namespace clients
