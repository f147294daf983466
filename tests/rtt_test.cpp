// The RTT emulation (rtt/) checked against the kernel: in a private network
// namespace, with a mockd's packets delayed, a TCP connect takes 1 RTT, the
// first byte on a new connection 2 RTT and on a reused one 1 RTT. Needs root
// or CAP_NET_ADMIN (CI runs as root); without it the tests say so and skip.
// Each test runs in its own process under CTest (gtest_discover_tests), so
// entering a namespace here disturbs no other test.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "mockd_process.hpp"
#include "private_network.hpp"
#include "self_check.hpp"

namespace {

// Enters the namespace (once per process) or skips the calling test.
#define REQUIRE_EMULATION()                                                                 \
  do {                                                                                      \
    rtt::start_emulation();                                                                 \
    if (!rtt::emulation_ready())                                                            \
      GTEST_SKIP() << "RTT emulation unavailable: " << rtt::emulation_unavailable_reason(); \
  } while (0)

void expect_self_check(double rtt_ms) {
  harness::MockdProcess mockd({"--engine", "asio", "--threads", "1"});
  rtt::delay_port(mockd.port());
  const rtt::SelfCheck check = rtt::self_check(mockd.port(), rtt_ms);
  EXPECT_TRUE(check.ok) << check.message;
  std::cout << check.message << "\n";
}

}  // namespace

TEST(RttTolerance, TenPercentOrHalfAMillisecond) {
  EXPECT_TRUE(rtt::within_tolerance(21.9, 20));
  EXPECT_FALSE(rtt::within_tolerance(22.1, 20));
  EXPECT_TRUE(rtt::within_tolerance(1.45, 1));  // 0.5 ms is wider than 10 % of 1 ms
  EXPECT_FALSE(rtt::within_tolerance(1.6, 1));
  EXPECT_TRUE(rtt::within_tolerance(0.3, 0));
}

TEST(RttEmulation, SelfCheckPassesAtTwentyMilliseconds) {
  REQUIRE_EMULATION();
  expect_self_check(20);
}

TEST(RttEmulation, SelfCheckPassesAtTwoMilliseconds) {
  REQUIRE_EMULATION();
  expect_self_check(2);
}

TEST(RttEmulation, NoDelayAtZero) {
  REQUIRE_EMULATION();
  expect_self_check(0);
}

TEST(RttEmulation, AutocorkingIsOffInTheNamespace) {
  // A packet held in the queue has not left the host, so autocorking would
  // hold the socket's next small write back for RTT/2 (see private_network.cpp).
  REQUIRE_EMULATION();
  std::ifstream in("/proc/sys/net/ipv4/tcp_autocorking");
  int value = -1;
  in >> value;
  EXPECT_EQ(value, 0);
}

TEST(RttEmulation, SelfCheckFailsWithTheWrongDelay) {
  // The check must be able to fail: expecting 20 ms where the delay gives 10.
  REQUIRE_EMULATION();
  harness::MockdProcess mockd({"--engine", "asio", "--threads", "1"});
  rtt::delay_port(mockd.port());
  const rtt::SelfCheck check = rtt::self_check(mockd.port(), 20, 10);
  EXPECT_FALSE(check.ok) << check.message;
}
