#include "model_support.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace clients {
namespace {

// One part of a URL parsed by libcurl's URL API (the same parser the curl
// models use, so all models agree on what a URL means). Empty if absent.
std::string url_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK) return {};
  std::string out(text);
  curl_free(text);
  return out;
}

}  // namespace

std::optional<std::uint64_t> bytes_param(std::string_view url) {
  const auto q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.starts_with("bytes=")) {
      const std::string_view value = pair.substr(6);
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec == std::errc() && end == value.data() + value.size()) return n;
      return std::nullopt;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::vector<Target> parse_targets(const Plan& plan) {
  if (plan.urls.empty()) throw std::invalid_argument("the plan has no URLs");
  std::vector<Target> targets;
  for (const auto& text : plan.urls) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
    if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
      throw std::invalid_argument("not a URL: " + text);
    Target t;
    t.url = text;
    const std::string scheme = url_part(url.get(), CURLUPART_SCHEME);
    if (scheme != "http" && scheme != "https")
      throw std::invalid_argument("only http:// and https:// URLs: " + text);
    t.tls = scheme == "https";
    t.host = url_part(url.get(), CURLUPART_HOST);
    if (t.host.size() > 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
    const std::string port = url_part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    t.port = static_cast<std::uint16_t>(std::stoi(port));
    t.path = url_part(url.get(), CURLUPART_PATH);
    if (t.path.empty()) t.path.push_back('/');  // (not = "/": GCC 12 -Wrestrict false positive)
    if (const auto query = url_part(url.get(), CURLUPART_QUERY); !query.empty())
      t.path += "?" + query;
    const bool v6 = t.host.find(':') != std::string::npos;
    t.authority = (v6 ? "[" + t.host + "]" : t.host) + ":" + port;
    t.origin = scheme + "://" + t.authority;
    t.expected_bytes = plan.expected_bytes ? plan.expected_bytes : bytes_param(text);
    // A HEAD response has no body, whatever length bytes=N makes it announce.
    if (plan.method == "HEAD") t.expected_bytes = 0;
    targets.push_back(std::move(t));
  }
  return targets;
}

Clock::time_point Schedule::due(std::size_t i) const {
  if (!rate_) return Clock::now();
  return start_ + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(i) / *rate_));
}

bool Schedule::more(std::size_t i) const {
  if (i >= requests_) return false;
  if (!end_) return true;
  return (rate_ ? due(i) : Clock::now()) < *end_;
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers,
                std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [name](const auto& h) {
    return std::equal(
        h.first.begin(), h.first.end(), name.begin(), name.end(),
        [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
  });
}

std::vector<std::pair<std::string, std::string>> request_headers(const Plan& plan) {
  auto headers = plan.headers;
  if (!plan.body.empty() && !has_header(headers, "Content-Type"))
    headers.emplace_back("Content-Type", "application/octet-stream");
  return headers;
}

void finish_sample(Sample& s, const Plan& plan, const Target& target, Clock::time_point began) {
  if (plan.completed) plan.completed->fetch_add(1, std::memory_order_relaxed);
  s.latency = s.end - s.start;
  if (s.error != ErrorKind::none) return;
  if (s.end - began > plan.timeout)
    s.error = ErrorKind::timeout;
  else if (s.status != plan.expected_status)
    s.error = ErrorKind::status;
  else if (target.expected_bytes && s.body_bytes != *target.expected_bytes)
    s.error = ErrorKind::body_size;
}

void note_error(RunResult& result, ErrorKind kind, std::string_view message) {
  const std::string prefix = std::string(to_string(kind)) + ": ";
  for (const auto& e : result.error_examples)
    if (e.starts_with(prefix)) return;
  result.error_examples.push_back(prefix + std::string(message));
}

void merge_error_examples(RunResult& result, const RunResult& other) {
  for (const auto& e : other.error_examples) {
    const auto colon = e.find(':');
    bool seen = false;
    for (const auto& mine : result.error_examples)
      seen |= mine.compare(0, colon + 1, e, 0, colon + 1) == 0;
    if (!seen) result.error_examples.push_back(e);
  }
  for (const auto& [status, reason] : other.status_reasons)
    result.status_reasons.emplace(status, reason);  // no-op when one is there
}

void keep_body_head(std::string& head, std::string_view data) {
  if (head.size() >= kReasonBodyBytes) return;
  head.append(data.substr(0, kReasonBodyBytes - head.size()));
}

std::string reason_from_body(std::string_view body) {
  constexpr std::size_t kMaxReasonBytes = 200;
  constexpr std::string_view kBlanks = " \t\r\n";
  std::string text;
  // A JSON refusal names its reason; a body cut at kReasonBodyBytes does not
  // parse, and falls back to its first line like any other text.
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object())
    for (const char* key : {"message", "detail", "error"}) {
      const auto it = j.find(key);
      if (it != j.end() && it->is_string()) text = it->get<std::string>();
      if (!text.empty()) break;
    }
  if (text.empty()) {
    while (!body.empty()) {
      const auto eol = body.find('\n');
      std::string_view line = body.substr(0, eol);
      const auto first = line.find_first_not_of(kBlanks);
      if (first != std::string_view::npos) {
        text = line.substr(first, line.find_last_not_of(kBlanks) - first + 1);
        break;
      }
      if (eol == std::string_view::npos) break;
      body.remove_prefix(eol + 1);
    }
  }
  if (text.size() > kMaxReasonBytes) {
    std::size_t cut = kMaxReasonBytes;
    // Back to the start of a UTF-8 sequence, so the cut splits no character.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  // A body may hold any bytes; the reason goes into fetch's JSON, which takes
  // only UTF-8, and onto one terminal line. The round trip through a JSON
  // string replaces invalid sequences with U+FFFD.
  text = nlohmann::json::parse(
             nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
             .get<std::string>();
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

void note_status_reason(RunResult& result, const Sample& s, std::string_view body_head) {
  if (s.error != ErrorKind::status || result.status_reasons.contains(s.status)) return;
  result.status_reasons.emplace(s.status, reason_from_body(body_head));
}

bool is_fd_exhaustion(int err) {
  return err == EMFILE || err == ENFILE;
}

}  // namespace clients
