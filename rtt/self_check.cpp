#include "self_check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "private_network.hpp"

namespace rtt {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) close(fd);
  }
};

void connect_to(Socket& s, int port) {
  s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s.fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
}

// Sends one GET and reads the whole response (headers and Content-Length
// body); returns the time to its first byte, in ms, from `from`.
double request(Socket& s, Clock::time_point from) {
  static const char kRequest[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(s.fd, kRequest, sizeof kRequest - 1, MSG_NOSIGNAL) != sizeof kRequest - 1)
    throw std::runtime_error(std::string("send: ") + std::strerror(errno));
  std::string response;
  double first_byte_ms = -1;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(s.fd, buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("the server closed the connection mid-response");
    if (first_byte_ms < 0) first_byte_ms = ms_since(from);
    response.append(buf, static_cast<std::size_t>(n));
    const auto end = response.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::size_t length = 0;
    if (auto p = response.find("Content-Length:"); p != std::string::npos && p < end)
      length = std::stoul(response.substr(p + 15));
    else if (auto q = response.find("content-length:"); q != std::string::npos && q < end)
      length = std::stoul(response.substr(q + 15));
    if (response.size() >= end + 4 + length) return first_byte_ms;
  }
}

}  // namespace

bool within_tolerance(double measured_ms, double expected_ms) {
  return std::abs(measured_ms - expected_ms) <= std::max(0.1 * expected_ms, 0.5);
}

Timings measure(int port, int tries) {
  std::vector<double> connects, news, reuses;
  for (int i = 0; i < tries; ++i) {
    Socket a;
    auto t0 = Clock::now();
    connect_to(a, port);
    connects.push_back(ms_since(t0));
    Socket b;
    t0 = Clock::now();
    connect_to(b, port);
    news.push_back(request(b, t0));
    reuses.push_back(request(b, Clock::now()));
  }
  return {median(connects), median(news), median(reuses)};
}

SelfCheck self_check(int port, double rtt_ms, double applied_rtt_ms, int tries) {
  SelfCheck result;
  result.rtt_ms = rtt_ms;
  Timings with;
  try {
    set_rtt(std::chrono::microseconds(0));
    result.baseline = measure(port, tries);
    set_rtt(std::chrono::microseconds(static_cast<long>(applied_rtt_ms * 1000)));
    with = measure(port, tries);
    set_rtt(std::chrono::microseconds(0));
  } catch (const std::exception& e) {
    set_rtt(std::chrono::microseconds(0));
    result.message = std::string("self-check could not measure: ") + e.what();
    return result;
  }
  result.connect_ms = with.connect_ms;
  result.first_byte_new_ms = with.first_byte_new_ms;
  result.first_byte_reused_ms = with.first_byte_reused_ms;
  const Timings& b = result.baseline;
  result.ok = within_tolerance(result.connect_ms - b.connect_ms, rtt_ms) &&
              within_tolerance(result.first_byte_new_ms - b.first_byte_new_ms, 2 * rtt_ms) &&
              within_tolerance(result.first_byte_reused_ms - b.first_byte_reused_ms, rtt_ms);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "RTT %g ms: TCP connect %.2f ms (expected %g + %.2f without delay), first byte on "
                "a new connection %.2f ms (expected %g + %.2f), on a reused one %.2f ms (expected "
                "%g + %.2f); tolerance ±10 %% or ±0.5 ms",
                rtt_ms, result.connect_ms, rtt_ms, b.connect_ms, result.first_byte_new_ms,
                2 * rtt_ms, b.first_byte_new_ms, result.first_byte_reused_ms, rtt_ms,
                b.first_byte_reused_ms);
  result.message = buf;
  return result;
}

SelfCheck self_check(int port, double rtt_ms) {
  SelfCheck check;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    check = self_check(port, rtt_ms, rtt_ms);
    if (check.ok || attempt == 3) {
      if (attempt > 1) check.message += " (attempt " + std::to_string(attempt) + " of 3)";
      break;
    }
  }
  return check;
}

}  // namespace rtt
