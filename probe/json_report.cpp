// The summary as JSON (--json on stdout, summary.json under --out): the same
// figures as the text, the findings and expectations, and each server's final
// /stats as mockd gave it.
#include "report.hpp"

namespace probe {
namespace {

const char* how_name(Outcome::How how) {
  switch (how) {
    case Outcome::How::exited:
      return "exited";
    case Outcome::How::signalled:
      return "signalled";
    case Outcome::How::time_limit:
      return "time_limit";
  }
  return "";
}

const char* kind_name(Finding::Kind kind) {
  switch (kind) {
    case Finding::Kind::problem:
      return "problem";
    case Finding::Kind::good:
      return "good";
    case Finding::Kind::note:
      return "note";
  }
  return "";
}

nlohmann::json summary_json(const Summary& m) {
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& [status, n] : m.by_status) by_status[std::to_string(status)] = n;
  nlohmann::json j = {
      {"requests_started", m.requests_started},
      {"requests_answered", m.requests_answered},
      {"requests_by_status", by_status},
      {"faults", m.faults},
      {"failed", m.failed},
      {"requests_cancelled",
       m.requests_cancelled ? nlohmann::json(*m.requests_cancelled) : nlohmann::json()},
      {"cancelled_in_server_ms", {{"max", m.cancelled_max_ms}, {"mean", m.cancelled_mean_ms}}},
      {"connections_opened", m.connections_opened},
      {"connections_peak", m.connections_peak},
      {"connections_refused",
       m.connections_refused ? nlohmann::json(*m.connections_refused) : nlohmann::json()},
      {"server_default", m.server_default},
      {"requests_per_connection", m.requests_per_connection()},
      {"in_flight_peak", m.in_flight_peak},
      {"in_flight_peak_exact", m.in_flight_peak_exact},
      {"timeline",
       {{"bucket_ms", m.timeline.bucket_ms},
        {"started", m.timeline.started},
        {"completed", m.timeline.completed},
        {"cancelled", m.timeline.cancelled},
        {"late", m.timeline.late}}},
  };
  if (m.tls)
    j["tls"] = {{"handshakes", m.tls_handshakes},
                {"full", m.tls_handshakes - m.tls_resumed},
                {"resumed", m.tls_resumed}};
  if (m.after_failure) {
    const auto& a = *m.after_failure;
    j["after_failure"] = {{"seen_ms", a.seen_ms},
                          {"bucket", a.bucket},
                          {"in_flight", a.in_flight},
                          {"started_after", a.started_after},
                          {"answered_after", a.answered_after},
                          {"cancelled_after", a.cancelled_after}};
  }
  if (m.retries) {
    const auto& w = *m.retries;
    j["retries"] = {{"burst_first_bucket", w.burst_first},
                    {"burst_last_bucket", w.burst_last},
                    {"window_first_bucket", w.first},
                    {"window_last_bucket", w.last},
                    {"arrivals", w.arrivals},
                    {"per_failed_response", w.per_failure},
                    {"peak", w.peak},
                    {"mean", w.mean},
                    {"peak_to_mean", w.peak_to_mean}};
  }
  if (m.last_running)
    j["at_end"] = {{"sample_ms", m.last_running->t_ms},
                   {"in_flight", m.last_running->in_flight()},
                   {"cancelled_after", m.cancelled_after_end},
                   {"answered_after", m.answered_after_end}};
  return j;
}

}  // namespace

nlohmann::json report_json(const Report& r) {
  nlohmann::json servers = nlohmann::json::array();
  for (std::size_t i = 0; i < r.servers.size(); ++i)
    servers.push_back({{"scheme", r.servers[i].scheme},
                       {"url", r.servers[i].url},
                       {"pid", r.servers[i].pid},
                       {"stats", i < r.stats.size() ? r.stats[i] : nlohmann::json()}});
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : r.findings)
    findings.push_back({{"id", f.id},
                        {"claim", f.claim},
                        {"kind", kind_name(f.kind)},
                        {"text", f.text},
                        {"report", f.report}});
  nlohmann::json expectations = nlohmann::json::array();
  for (const auto& e : r.expectations)
    expectations.push_back(
        {{"expectation", e.expectation.text}, {"passed", e.passed}, {"reason", e.reason}});
  return {
      {"command", r.command},
      {"program",
       {{"outcome", how_name(r.outcome.how)},
        {"exit_code",
         r.outcome.how == Outcome::How::exited ? nlohmann::json(r.outcome.code) : nlohmann::json()},
        {"signal",
         r.outcome.how == Outcome::How::exited ? nlohmann::json() : nlohmann::json(r.outcome.code)},
        {"wall_s", r.outcome.wall_s},
        {"time_limit_s", r.time_limit_s},
        {"left_processes", r.outcome.left_processes},
        {"description", describe_outcome(r.outcome, r.time_limit_s)}}},
      {"servers", servers},
      {"summary", summary_json(r.summary)},
      {"findings", findings},
      {"expectations", expectations},
      {"exit_status", r.exit_status},
  };
}

}  // namespace probe
