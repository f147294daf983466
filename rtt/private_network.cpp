#include "private_network.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

#include "nfqueue_delayer.hpp"

namespace rtt {
namespace {

// unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN; iptables and the queue need
// CAP_NET_ADMIN in the new namespace.
const char* const kHowTo =
    "run as root (or with CAP_SYS_ADMIN and CAP_NET_ADMIN), e.g. sudo build/bench --filter=rtt";

struct Emulation {
  bool started = false;
  std::string reason;
  std::unique_ptr<NfqueueDelayer> delayer;
  std::set<int> ports;
  std::mutex mutex;
};

Emulation& emulation() {
  static Emulation e;
  return e;
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// TCP autocorking holds a small write back while an earlier packet of the
// socket has not left the host yet, and a packet held in the queue has not:
// a request written right after the TLS Finished would wait the RTT/2 the
// Finished spends in the delayer. A real NIC frees a packet within
// microseconds, so the emulation turns autocorking off (in this namespace
// only: the sysctl is per network namespace).
std::string disable_autocorking() {
  const char* const path = "/proc/sys/net/ipv4/tcp_autocorking";
  std::ofstream out(path);
  out << "0\n";
  out.close();
  if (!out) return errno_text(std::string("cannot write 0 to ") + path);
  std::ifstream in(path);
  int value = -1;
  in >> value;
  if (value != 0) return std::string(path) + " is still " + std::to_string(value);
  return "";
}

}  // namespace

std::string enter_private_network() {
  if (unshare(CLONE_NEWNET) != 0) return errno_text("unshare(CLONE_NEWNET)");
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno_text("socket");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  std::string error;
  if (ioctl(s, SIOCGIFFLAGS, &request) != 0) {
    error = errno_text("SIOCGIFFLAGS lo");
  } else {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (ioctl(s, SIOCSIFFLAGS, &request) != 0) error = errno_text("SIOCSIFFLAGS lo up");
  }
  close(s);
  if (error.empty()) error = disable_autocorking();
  return error;
}

void start_emulation() {
  auto& e = emulation();
  if (e.started) return;
  e.started = true;
  if (std::string error = enter_private_network(); !error.empty()) {
    e.reason = "no private network namespace (" + error + "); " + kHowTo;
    return;
  }
  try {
    e.delayer = std::make_unique<NfqueueDelayer>(static_cast<std::uint16_t>(kQueueNum));
  } catch (const std::exception& ex) {
    e.reason = std::string(ex.what()) + "; " + kHowTo;
  }
}

bool emulation_ready() {
  return emulation().delayer != nullptr;
}

std::string emulation_unavailable_reason() {
  const auto& e = emulation();
  if (e.delayer) return "";
  if (!e.started)
    return "RTT emulation not started (bench starts it at start-up when an rtt benchmark is "
           "selected)";
  return e.reason;
}

void delay_port(int port) {
  auto& e = emulation();
  std::lock_guard lock(e.mutex);
  if (!e.delayer) throw std::runtime_error(emulation_unavailable_reason());
  if (e.ports.contains(port)) return;
  // One rule per direction on OUTPUT: on lo every packet passes OUTPUT once.
  // --queue-bypass: were the delayer gone, packets would pass undelayed
  // instead of being dropped.
  for (const char* match : {"--dport", "--sport"}) {
    const std::string command = "iptables -w -A OUTPUT -o lo -p tcp " + std::string(match) + " " +
                                std::to_string(port) + " -j NFQUEUE --queue-num " +
                                std::to_string(kQueueNum) + " --queue-bypass";
    if (std::system(command.c_str()) != 0)
      throw std::runtime_error("rtt: '" + command + "' failed (is iptables installed?)");
  }
  e.ports.insert(port);
}

void set_rtt(std::chrono::microseconds rtt) {
  auto& e = emulation();
  if (e.delayer) e.delayer->set_delay(rtt / 2);
}

}  // namespace rtt
