#include "curl_support.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>

namespace clients {
namespace {

ErrorKind classify(CURLcode rc, long os_errno, const char* message) {
  // socket() failing with EMFILE surfaces as a connect error; the errno says why.
  if (is_fd_exhaustion(static_cast<int>(os_errno)) || std::strstr(message, "Too many open files"))
    return ErrorKind::fd_exhausted;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return ErrorKind::connect;
    case CURLE_SEND_ERROR:
      return ErrorKind::write;
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
      return ErrorKind::read;
    case CURLE_UNSUPPORTED_PROTOCOL:
      // What curl says when a reply is not HTTP at all ("Received HTTP/0.9").
      return std::strstr(message, "HTTP/0.9") ? ErrorKind::read : ErrorKind::other;
    default:
      return ErrorKind::other;
  }
}

}  // namespace

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::bad_alloc();
  });
}

EasyTransfer::EasyTransfer(const Plan& plan) : expected_status_(plan.expected_status) {
  ensure_curl_global_init();
  easy_ = curl_easy_init();
  if (!easy_) throw std::bad_alloc();
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM, safe in threads
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(plan.timeout.count()));
  // Every model speaks HTTP/1.1, so no model gets HTTP/2 multiplexing through ALPN.
  curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  // One cached connection per host the plan visits (the default cache holds 5).
  curl_easy_setopt(easy_, CURLOPT_MAXCONNECTS,
                   static_cast<long>(std::max<std::size_t>(5, plan.urls.size())));
  curl_easy_setopt(easy_, CURLOPT_SSL_SESSIONID_CACHE, plan.tls_session_cache ? 1L : 0L);
  if (!plan.cacert.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, plan.cacert.c_str());
  if (plan.insecure) {
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!plan.pooling) {
    curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L);
  }
  set_request(plan);
}

void EasyTransfer::set_request(const Plan& plan) {
  if (plan.method == "HEAD") {
    // Only NOBODY makes libcurl expect a response without a body.
    curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L);
  } else if (plan.method != "GET" || !plan.body.empty()) {
    // POSTFIELDS sends the body (a Content-Length even when empty, as other
    // clients do for POST); CUSTOMREQUEST then names the method.
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(plan.body.size()));
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, plan.body.data());
    if (plan.method != "POST") curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, plan.method.c_str());
  }
  const auto append = [this](const std::string& line) {
    curl_slist* more = curl_slist_append(headers_, line.c_str());
    if (!more) throw std::bad_alloc();
    headers_ = more;
  };
  const auto headers = request_headers(plan);
  // "Name;" is how libcurl sends a header with an empty value ("Name:" would drop it).
  for (const auto& [name, value] : headers)
    append(value.empty() ? name + ";" : name + ": " + value);
  // libcurl would wait up to a second for a `100 Continue` before a body over
  // 1 KiB; no other model asks for one. "Expect:" drops that header.
  if (!plan.body.empty() && !has_header(headers, "Expect")) append("Expect:");
  if (headers_) curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
}

EasyTransfer::~EasyTransfer() {
  curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
}

void EasyTransfer::prepare(const Target& target) {
  curl_easy_setopt(easy_, CURLOPT_URL, target.url.c_str());
  body_bytes_ = 0;
  keep_head_.reset();
  head_.clear();
  error_[0] = '\0';
}

void EasyTransfer::finish(CURLcode rc, Sample& s, RunResult& result) {
  long status = 0, connects = 0, os_errno = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(easy_, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
  s.status = static_cast<int>(status);
  s.body_bytes = body_bytes_;
  s.new_connection = connects > 0;
  if (s.new_connection) result.connections_opened += static_cast<std::size_t>(connects);
  if (rc == CURLE_OK) return;
  // curl's os_errno is not always set when socket() fails; errno still is then.
  if (rc == CURLE_COULDNT_CONNECT && os_errno == 0) os_errno = errno;
  s.error = classify(rc, os_errno, error_);
  note_error(result, s.error, error_[0] ? error_ : curl_easy_strerror(rc));
}

std::size_t EasyTransfer::on_body(char* data, std::size_t size, std::size_t n, void* self) {
  auto& t = *static_cast<EasyTransfer*>(self);
  t.body_bytes_ += size * n;
  // The status is known once the body starts; only a refusal's body is kept.
  if (!t.keep_head_) {
    long status = 0;
    curl_easy_getinfo(t.easy_, CURLINFO_RESPONSE_CODE, &status);
    t.keep_head_ = status != t.expected_status_;
  }
  if (*t.keep_head_) keep_body_head(t.head_, {data, size * n});
  return size * n;
}

void perform_request(EasyTransfer& transfer, const Plan& plan, const std::vector<Target>& targets,
                     const Schedule& schedule, std::size_t i, Sample& s, RunResult& result) {
  s.target = static_cast<std::uint32_t>(i % targets.size());
  const Target& target = targets[s.target];
  const auto due = schedule.due(i);
  std::this_thread::sleep_until(due);
  const auto began = Clock::now();
  s.start = schedule.open_loop() ? due : began;
  transfer.prepare(target);
  const CURLcode rc = curl_easy_perform(transfer.handle());
  s.end = Clock::now();
  transfer.finish(rc, s, result);
  finish_sample(s, plan, target, began);
  note_status_reason(result, s, transfer.body_head());
}

}  // namespace clients
