// The emulation's self-check: against a plain-HTTP server on 127.0.0.1:port
// whose packets go through the delayer, time a TCP connect (expect 1 RTT),
// the first response byte on a new connection (2 RTT: handshake, then the
// request) and on a reused one (1 RTT). Each is the median of a few tries,
// measured once without delay (the baseline: loopback and the delayer's own
// costs) and once with it; what the delay added must be k x RTT.
#pragma once

#include <string>

namespace rtt {

struct Timings {
  double connect_ms = 0, first_byte_new_ms = 0, first_byte_reused_ms = 0;
};

struct SelfCheck {
  double rtt_ms = 0;
  Timings baseline;  // the same, with no delay
  double connect_ms = 0;
  double first_byte_new_ms = 0;
  double first_byte_reused_ms = 0;
  bool ok = false;
  std::string message;  // what was measured against what was expected
};

// A measurement passes within ±10 % or ±0.5 ms of the expectation, whichever
// is wider.
bool within_tolerance(double measured_ms, double expected_ms);

// Sets the delayer's RTT (set_rtt) to `applied_rtt_ms` for the measurement
// and back to 0 after; checks against `rtt_ms`. Needs the emulation started
// and `port` delayed (delay_port).
SelfCheck self_check(int port, double rtt_ms, double applied_rtt_ms, int tries = 7);

// The check as bench and the tests run it: up to three attempts, so one
// disturbed by another process on a small machine does not fail it; a broken
// emulation fails all three. The message says how many attempts it took.
SelfCheck self_check(int port, double rtt_ms);

}  // namespace rtt
