#include "response_plan.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

namespace mockd {
namespace {

// z-score of the 99th percentile of the standard normal distribution.
constexpr double kZ99 = 2.3263478740408408;

double draw_ms(const RequestParams& p, std::mt19937_64& rng) {
  switch (p.dist) {
    case DelayDist::fixed:
      return p.delay_ms;
    case DelayDist::uniform:
      return std::uniform_real_distribution<double>(p.min_ms, p.max_ms)(rng);
    case DelayDist::lognormal: {
      const double mu = std::log(p.p50_ms);
      const double sigma = (std::log(p.p99_ms) - mu) / kZ99;
      return std::lognormal_distribution<double>(mu, sigma)(rng);
    }
    case DelayDist::normal: {
      const double sd = (p.p99_ms - p.p50_ms) / kZ99;
      return std::max(0.0, std::normal_distribution<double>(p.p50_ms, sd)(rng));
    }
  }
  return 0;
}

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

const std::array<char, 2 * kBodyBlockBytes>& body_block() {
  // Twice the block, so any slice of up to a block starting anywhere in the
  // pattern is contiguous.
  static const auto block = [] {
    std::array<char, 2 * kBodyBlockBytes> b{};
    constexpr std::string_view line =
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\n";
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = line[i % line.size()];
    return b;
  }();
  return block;
}

}  // namespace

ResponsePlan plan_response(const RequestParams& p, const Limits& limits) {
  std::mt19937_64 seeded;
  if (p.seed) seeded.seed(*p.seed);
  std::mt19937_64& rng = p.seed ? seeded : thread_rng();

  ResponsePlan plan;
  auto drawn = [&rng](double rate) {
    return rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < rate;
  };
  // The draws come in a fixed order, and one happens only when its rate is
  // set, so a seeded request without the newer parameters (reset_rate,
  // stall_rate) draws exactly what it drew before they existed.
  double ms = draw_ms(p, rng);
  plan.status = p.status;
  if (drawn(p.fail_rate)) plan.status = p.fail_status;
  plan.fault = p.fault;
  if (drawn(p.reset_rate)) plan.fault = Fault::reset;
  if (drawn(p.stall_rate)) ms += p.stall_ms;
  ms = std::min(ms, limits.max_delay_ms);
  plan.delay = std::chrono::microseconds(std::llround(ms * 1000));
  // The default body obeys --max-bytes too: a cap below it shortens it.
  plan.body_bytes = static_cast<std::size_t>(
      p.bytes ? *p.bytes : std::min<std::uint64_t>(kDefaultBodyBytes, limits.max_bytes));
  plan.drip = std::chrono::microseconds(std::llround(p.drip_ms * 1000));
  plan.close = p.close;
  return plan;
}

std::string_view body_slice(std::size_t offset, std::size_t n) {
  const auto& block = body_block();
  n = std::min(n, kBodyBlockBytes);
  // The pattern repeats every 63 bytes; start at the same phase within the block.
  constexpr std::size_t period = 63;
  return {block.data() + offset % period, n};
}

}  // namespace mockd
