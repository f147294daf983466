// Turns a request's parameters into the concrete answer: the delay drawn from
// its distribution (plus a stall, after stall_rate), the status (after
// fail_rate), the body size and any fault (after reset_rate).
// Shared by both engines so they answer identically.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "request_params.hpp"

namespace mockd {

struct ResponsePlan {
  std::chrono::microseconds delay{0};
  int status = 200;
  std::size_t body_bytes = 0;
  std::chrono::microseconds drip{0};
  Fault fault = Fault::none;
  bool close = false;
};

// Body size of a request that does not ask for `bytes` (a short text), or
// --max-bytes if that is smaller.
inline constexpr std::size_t kDefaultBodyBytes = 16;

// With a seed the draws are a pure function of the seed and the parameters:
// the same request gives the same delay on any engine, thread or run, and a
// client wanting a reproducible sequence sends seed=0,1,2,...
// Without one, each thread draws from its own randomly seeded generator.
// Draws beyond the delay cap are cut to the cap; the applied delay is what the
// Server-Timing header reports.
ResponsePlan plan_response(const RequestParams& params, const Limits& limits);

// The body bytes at [offset, offset+n): a fixed printable pattern, so a client
// can check what it received without the server allocating per response.
std::string_view body_slice(std::size_t offset, std::size_t n);

// Largest slice body_slice can return at once.
inline constexpr std::size_t kBodyBlockBytes = 64 * 1024;

}  // namespace mockd
