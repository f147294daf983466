// The libcurl easy handle as all three curl models use it: options from the
// plan, the body counted and discarded, and a finished transfer turned into a
// Sample (error kind, status, size, whether it opened a connection).
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client_model.hpp"
#include "model_support.hpp"

namespace clients {

// curl_global_init, once per process (it is not thread-safe to call twice at once).
void ensure_curl_global_init();

class EasyTransfer {
 public:
  // Keeps a pointer to plan.body: the plan must outlive the transfer.
  explicit EasyTransfer(const Plan& plan);
  ~EasyTransfer();
  EasyTransfer(const EasyTransfer&) = delete;
  EasyTransfer& operator=(const EasyTransfer&) = delete;

  CURL* handle() const { return easy_; }
  // Points the handle at `target` and clears the per-transfer counters.
  void prepare(const Target& target);
  // Fills s.status, s.body_bytes, s.new_connection and s.error from the
  // finished transfer (`rc`), noting the message of an error in `result`.
  void finish(CURLcode rc, Sample& s, RunResult& result);
  // The first bytes of the last body, kept only when its status was not the
  // expected one (for note_status_reason).
  std::string_view body_head() const { return head_; }

 private:
  void set_request(const Plan& plan);  // method, headers, body
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);

  CURL* easy_;
  curl_slist* headers_ = nullptr;  // the plan's headers, as libcurl takes them
  std::uint64_t body_bytes_ = 0;
  int expected_status_;
  std::optional<bool> keep_head_;  // decided at the first piece of each body
  std::string head_;
  char error_[CURL_ERROR_SIZE] = {};
};

// Request `i` of a run, blocking on `transfer`: waits until it is due, performs
// it and fills in `s`; error messages go to `result`.
void perform_request(EasyTransfer& transfer, const Plan& plan, const std::vector<Target>& targets,
                     const Schedule& schedule, std::size_t i, Sample& s, RunResult& result);

}  // namespace clients
