#include "summary.hpp"

#include <algorithm>
#include <string>

namespace probe {
namespace {

std::uint64_t u64(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::uint64_t>() : 0;
}

std::int64_t i64(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

// Adds `list` (a JSON array of counts) into `into`, growing it as needed.
void add_buckets(std::vector<std::uint64_t>& into, const nlohmann::json& list) {
  if (!list.is_array()) return;
  if (into.size() < list.size()) into.resize(list.size(), 0);
  for (std::size_t i = 0; i < list.size(); ++i) into[i] += list[i].get<std::uint64_t>();
}

// Cumulative arrivals minus completions and cancellations at the end of each
// bucket: the requests in flight then (faults never complete, so only
// without faults).
std::int64_t timeline_in_flight_peak(const Timeline& t) {
  std::int64_t now = 0, peak = 0;
  for (std::size_t i = 0; i < t.started.size(); ++i) {
    now += static_cast<std::int64_t>(t.started[i]);
    if (i < t.completed.size()) now -= static_cast<std::int64_t>(t.completed[i]);
    if (i < t.cancelled.size()) now -= static_cast<std::int64_t>(t.cancelled[i]);
    peak = std::max(peak, now);
  }
  return peak;
}

// Buckets of calm that end a failure burst (50 ms).
constexpr std::size_t kQuietBuckets = 5;
// Buckets over which the retry window's peak and mean are counted (50 ms).
constexpr std::size_t kPeakSpanBuckets = 5;

RetryWindow retry_window(const Timeline& t, std::size_t failure_bucket, std::uint64_t failed) {
  const auto& s = t.started;
  RetryWindow w;
  const std::size_t n = s.size();
  std::size_t last_arrival = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (s[i]) last_arrival = i;
  // The failure was seen up to one sampling interval (20 ms) after it
  // happened: the burst it belongs to may have peaked just before.
  const std::size_t b_f = std::min(failure_bucket, n ? n - 1 : 0);
  std::size_t from = b_f >= 2 ? b_f - 2 : 0;
  std::uint64_t peak = 0;
  for (std::size_t i = from; i <= b_f && i < n; ++i) peak = std::max(peak, s[i]);
  // The burst runs on from the failure until a quiet stretch: 50 ms in which
  // every bucket holds less than a quarter of the burst's busiest (and fewer
  // than 2). A shorter dip inside it (a client opening its connections in
  // clumps) does not end it.
  auto quiet = [&](std::size_t i) { return i >= n || s[i] < std::max<std::uint64_t>(2, peak / 4); };
  w.burst_first = from;
  while (w.burst_first > 0 && !quiet(w.burst_first - 1)) --w.burst_first;
  std::vector<std::uint64_t> after(n + 1, 0);  // after[i]: arrivals in buckets i..n-1
  for (std::size_t i = n; i-- > 0;) after[i] = after[i + 1] + s[i];
  std::size_t b = b_f;
  for (;;) {
    bool calm = true;
    for (std::size_t i = b + 1; i <= b + kQuietBuckets && calm; ++i) calm = quiet(i);
    // Each retry answers an earlier failure, so retries never outnumber the
    // failed responses: more arrivals than that after a calm stretch means
    // the burst's own first attempts resumed after a pause, and it goes on.
    if ((calm && after[std::min(b + 1, n)] <= failed) || b + 1 >= n) break;
    ++b;
    peak = std::max(peak, s[b]);
  }
  w.burst_last = b;
  w.first = b + 1;
  w.last = last_arrival;
  if (n == 0 || w.first > w.last) {
    w.last = w.first - 1;  // empty
    return w;
  }
  const std::size_t buckets = w.last - w.first + 1;
  for (std::size_t i = w.first; i <= w.last; ++i) w.arrivals += s[i];
  // Peak and mean per 50 ms, not per bucket: a 10 ms bucket shows a client's
  // own clumping (an event loop catching up) as much as synchronized retries.
  const std::size_t span = std::min(kPeakSpanBuckets, buckets);
  std::uint64_t in_span = 0;
  for (std::size_t i = w.first; i <= w.last; ++i) {
    in_span += s[i];
    if (i >= w.first + span) in_span -= s[i - span];
    if (i + 1 >= w.first + span) w.peak = std::max(w.peak, in_span);
  }
  w.mean =
      static_cast<double>(w.arrivals) * static_cast<double>(span) / static_cast<double>(buckets);
  w.peak_to_mean = w.mean > 0 ? static_cast<double>(w.peak) / w.mean : 0;
  w.per_failure = failed ? static_cast<double>(w.arrivals) / static_cast<double>(failed) : 0;
  return w;
}

}  // namespace

std::uint64_t failed_responses(const nlohmann::json& stats) {
  std::uint64_t failed = 0;
  if (const auto it = stats.find("requests_by_status"); it != stats.end() && it->is_object())
    for (const auto& [status, count] : it->items())
      if (std::stoi(status) >= 400) failed += count.get<std::uint64_t>();
  if (const auto it = stats.find("faults"); it != stats.end() && it->is_object())
    for (const auto& [kind, count] : it->items()) failed += count.get<std::uint64_t>();
  return failed;
}

Sample sample_of(const std::vector<nlohmann::json>& stats) {
  Sample s;
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const auto& j = stats[i];
    if (i == 0) s.t_ms = j.value("since_reset_s", 0.0) * 1000.0;
    s.started += u64(j, "requests_started");
    s.answered += u64(j, "requests_total");
    s.cancelled += u64(j, "requests_cancelled");
    s.failed += failed_responses(j);
    s.connections_active += i64(j, "connections_active");
    if (j.value("requests_in_flight", nlohmann::json()).is_number())
      s.in_flight_counted = s.in_flight_counted.value_or(0) + i64(j, "requests_in_flight");
  }
  return s;
}

Summary summarize(const std::vector<nlohmann::json>& finals, const std::vector<Sample>& samples) {
  Summary m;
  m.servers = finals.size();
  bool cancel_counted = !finals.empty(), peak_counted = !finals.empty();
  double cancelled_sum_ms = 0;
  for (const auto& j : finals) {
    m.tls = m.tls || (j.contains("tls_handshakes") && u64(j, "tls_handshakes") > 0);
    m.requests_started += u64(j, "requests_started");
    m.requests_answered += u64(j, "requests_total");
    m.failed += failed_responses(j);
    cancel_counted = cancel_counted && j.value("requests_cancelled", nlohmann::json()).is_number();
    m.requests_cancelled = m.requests_cancelled.value_or(0) + u64(j, "requests_cancelled");
    if (const auto it = j.find("requests_by_status"); it != j.end() && it->is_object())
      for (const auto& [status, count] : it->items())
        m.by_status[std::stoi(status)] += count.get<std::uint64_t>();
    if (const auto it = j.find("faults"); it != j.end() && it->is_object())
      for (const auto& [kind, count] : it->items())
        if (count.get<std::uint64_t>()) m.faults[kind] += count.get<std::uint64_t>();
    m.connections_opened += u64(j, "connections_accepted");
    if (u64(j, "connections_accepted") > 0) ++m.servers_used;
    m.connections_peak += i64(j, "connections_peak");
    if (j.value("connections_refused", nlohmann::json()).is_number())
      m.connections_refused = m.connections_refused.value_or(0) + u64(j, "connections_refused");
    if (const auto it = j.find("default"); it != j.end() && it->is_string())
      m.server_default = it->get<std::string>();
    m.tls_handshakes += u64(j, "tls_handshakes");
    m.tls_resumed += u64(j, "tls_resumed");
    // mockd's own peak, where it keeps one (a branch adds requests_in_flight_peak).
    peak_counted = peak_counted && j.value("requests_in_flight_peak", nlohmann::json()).is_number();
    m.in_flight_peak += i64(j, "requests_in_flight_peak");
    if (const auto it = j.find("cancelled_in_server_ms"); it != j.end() && it->is_object()) {
      cancelled_sum_ms += it->value("sum", 0.0);
      m.cancelled_max_ms = std::max(m.cancelled_max_ms, it->value("max", 0.0));
    }
    if (const auto it = j.find("timeline"); it != j.end() && it->is_object()) {
      m.timeline.bucket_ms = it->value("bucket_ms", 10);
      add_buckets(m.timeline.started, it->value("started", nlohmann::json()));
      add_buckets(m.timeline.completed, it->value("completed", nlohmann::json()));
      add_buckets(m.timeline.cancelled, it->value("cancelled", nlohmann::json()));
      m.timeline.late += it->value("late", std::uint64_t{0});
    }
  }
  if (!cancel_counted) m.requests_cancelled.reset();
  if (m.requests_cancelled && *m.requests_cancelled)
    m.cancelled_mean_ms = cancelled_sum_ms / static_cast<double>(*m.requests_cancelled);
  // The three lists end at their last non-empty bucket together: one length.
  const std::size_t n = std::max(
      {m.timeline.started.size(), m.timeline.completed.size(), m.timeline.cancelled.size()});
  for (auto* list : {&m.timeline.started, &m.timeline.completed, &m.timeline.cancelled})
    list->resize(n, 0);

  m.in_flight_peak_exact = peak_counted;
  if (!peak_counted) {
    // Samples every 20 ms and the timeline's bucket ends: each misses peaks
    // between its readings, so the larger of the two is still a lower bound.
    m.in_flight_peak = m.faults.empty() ? timeline_in_flight_peak(m.timeline) : 0;
    for (const auto& s : samples) m.in_flight_peak = std::max(m.in_flight_peak, s.in_flight());
    // A request that arrived was in flight, however briefly.
    if (m.requests_started > 0) m.in_flight_peak = std::max<std::int64_t>(m.in_flight_peak, 1);
  }

  const Sample final = sample_of(finals);
  if (!samples.empty()) {
    m.last_running = samples.back();
    m.cancelled_after_end = final.cancelled - samples.back().cancelled;
    m.answered_after_end = final.answered - samples.back().answered;
  }
  const auto first_failed =
      std::find_if(samples.begin(), samples.end(), [](const Sample& s) { return s.failed > 0; });
  std::optional<Sample> at_failure;
  if (first_failed != samples.end())
    at_failure = *first_failed;
  else if (final.failed > 0)
    at_failure = final;  // the failure came after the last sample: nothing followed it
  if (at_failure) {
    AfterFailure a;
    a.seen_ms = at_failure->t_ms;
    a.bucket = static_cast<std::size_t>(at_failure->t_ms / m.timeline.bucket_ms);
    a.in_flight = at_failure->in_flight();
    a.started_after = final.started - at_failure->started;
    a.answered_after = final.answered - at_failure->answered;
    a.cancelled_after = final.cancelled - at_failure->cancelled;
    m.after_failure = a;
    m.retries = retry_window(m.timeline, a.bucket, m.failed);
  }
  return m;
}

}  // namespace probe
