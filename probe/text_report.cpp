// The human summary: one line per figure, the arrival sparkline, then the
// findings and expectations, each finding with its claim and report page.
#include <signal.h>

#include <cstring>

#include "format.hpp"
#include "report.hpp"
#include "source_tree.hpp"
#include "sparkline.hpp"

namespace probe {
namespace {

constexpr int kLabel = 13;  // the label column

std::string label(const std::string& text) {
  std::string out = text;
  out.resize(kLabel, ' ');
  return out;
}

// The command as a shell would need it typed (arguments with spaces quoted).
std::string command_line(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& arg : command) {
    const bool plain = !arg.empty() && arg.find_first_of(" \t'\"$\\") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? arg : "'" + arg + "'");
  }
  return out;
}

std::string seconds(double ms) {
  return fixed(ms / 1000.0, 2) + " s";
}

std::string requests_line(const Summary& m) {
  std::string out = thousands(m.requests_started) + " arrived";
  std::string statuses;
  for (const auto& [status, n] : m.by_status)
    statuses += (statuses.empty() ? "" : ", ") + thousands(n) + " x " + std::to_string(status);
  for (const auto& [kind, n] : m.faults)
    statuses += (statuses.empty() ? "" : ", ") + thousands(n) + " x fault=" + kind;
  if (!statuses.empty()) out += ": " + statuses;
  out += "; " + thousands(m.failed) + " failed";
  out += "; " + (m.requests_cancelled ? thousands(*m.requests_cancelled) : std::string("?")) +
         " abandoned mid-delay";
  if (m.requests_cancelled && *m.requests_cancelled)
    out += " (at most " + fixed(m.cancelled_max_ms, 0) + " ms in the server)";
  return out;
}

}  // namespace

std::string describe_outcome(const Outcome& o, double time_limit_s) {
  switch (o.how) {
    case Outcome::How::exited:
      return "exited with status " + std::to_string(o.code) + " after " + fixed(o.wall_s, 2) + " s";
    case Outcome::How::signalled: {
      const char* abbrev = sigabbrev_np(o.code);
      return "was killed by signal " + std::to_string(o.code) +
             (abbrev ? " (SIG" + std::string(abbrev) + ")" : "") + " after " + fixed(o.wall_s, 2) +
             " s";
    }
    case Outcome::How::time_limit:
      return "outlived --time-limit " + fixed(time_limit_s, 1) +
             " s: killed it and its process group";
  }
  return {};
}

void print_text(std::ostream& out, const Report& r, int width) {
  const Summary& m = r.summary;
  out << label("program") << command_line(r.command) << " "
      << describe_outcome(r.outcome, r.time_limit_s) << "\n";
  out << label("mockd");
  for (std::size_t i = 0; i < r.servers.size(); ++i)
    out << (i ? ", " : "") << r.servers[i].url << " (pid " << r.servers[i].pid << ")";
  if (!m.server_default.empty()) out << "; default " << m.server_default;
  out << "\n";
  out << label("requests") << requests_line(m) << "\n";
  out << label("connections") << thousands(m.connections_opened) << " opened, "
      << fixed(m.requests_per_connection(), 1) << " requests each; peak "
      << thousands(m.connections_peak) << " open at once"
      << (m.servers_used > 1 ? " (the two servers' peaks added)" : "");
  if (m.connections_refused && *m.connections_refused)
    out << "; " << thousands(*m.connections_refused) << " refused (over mockd's cap)";
  out << "\n";
  if (m.requests_started > 0)
    out << label("in flight") << "peak " << (m.in_flight_peak_exact ? "" : "at least ")
        << thousands(m.in_flight_peak) << (m.in_flight_peak == 1 ? " request" : " requests")
        << " at once" << (m.in_flight_peak_exact ? "" : " (sampled every 20 ms)") << "\n";
  if (m.tls)
    out << label("TLS") << thousands(m.tls_handshakes)
        << " handshakes: " << thousands(m.tls_handshakes - m.tls_resumed) << " full, "
        << thousands(m.tls_resumed) << " resumed\n";
  if (m.after_failure) {
    out << label("failures") << "first seen at " << seconds(m.after_failure->seen_ms);
    if (m.retries && m.retries->arrivals) {
      const auto& w = *m.retries;
      out << "; after its burst " << thousands(w.arrivals) << " arrivals ("
          << fixed(w.per_failure, 2) << " per failed response), peak " << thousands(w.peak)
          << " per 50 ms = " << fixed(w.peak_to_mean, 1) << "x the mean";
    } else {
      out << "; no arrivals after its burst";
    }
    out << "\n";
  }
  if (m.last_running && m.last_running->in_flight() > 0)
    out << label("at the end") << thousands(m.last_running->in_flight())
        << " requests were in flight at the server when the program ended ("
        << thousands(m.cancelled_after_end) << " then cancelled, "
        << thousands(m.answered_after_end) << " answered)\n";
  const auto& t = m.timeline;
  if (!t.started.empty()) {
    // Arrivals, answers and abandoned requests on one scale, one column per
    // the same stretch of time, so a line can be read against another.
    const auto columns = static_cast<std::size_t>(std::max(10, width - kLabel));
    std::uint64_t full = 0;
    for (const auto* list : {&t.started, &t.completed, &t.cancelled})
      full = std::max(full, sparkline(*list, columns).column_max);
    const Sparkline arrived = sparkline(t.started, columns, full);
    out << label("arrived") << arrived.line << "\n";
    out << label("answered") << sparkline(t.completed, columns, full).line << "\n";
    if (m.requests_cancelled.value_or(0) > 0)
      out << label("abandoned") << sparkline(t.cancelled, columns, full).line << "\n";
    out << label("") << arrived.buckets_per_column * static_cast<std::size_t>(t.bucket_ms)
        << " ms per column, 0 to " << seconds(static_cast<double>(t.started.size()) * t.bucket_ms)
        << " after the reset; heights on a log scale, a full block is " << thousands(full) << "\n";
  }
  if (m.timeline.late) out << label("") << thousands(m.timeline.late) << " arrivals after 60 s\n";

  out << "findings:" << (r.findings.empty() ? " none\n" : "\n");
  for (const auto& f : r.findings) {
    const char* kind = f.kind == Finding::Kind::problem ? "problem"
                       : f.kind == Finding::Kind::good  ? "good"
                                                        : "note";
    out << "  " << f.claim << " " << kind << ": " << f.text
        << "\n"
        // The page in this clone, so the path opens from wherever probe was run.
        << "     see " << (suite::source_dir() / f.report).string() << "\n";
  }
  if (!r.expectations.empty()) {
    out << "expectations:\n";
    for (const auto& e : r.expectations)
      out << "  " << (e.passed ? "met" : "FAILED") << ": " << e.expectation.text << " (" << e.reason
          << ")\n";
  }
}

}  // namespace probe
