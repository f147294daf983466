// The RTT emulation's set-up: a private network namespace for this process
// and the children it starts afterwards, with lo up, iptables rules sending
// the mock servers' packets to an NFQUEUE, and the delayer serving it.
// Nothing outside the namespace is touched. Needs root: CAP_SYS_ADMIN to
// create the namespace, CAP_NET_ADMIN for iptables and the queue.
#pragma once

#include <chrono>
#include <string>

namespace rtt {

// The NFQUEUE number the rules and the delayer use.
inline constexpr unsigned kQueueNum = 0;

// unshare(CLONE_NEWNET), bring lo up and turn TCP autocorking off in it (an
// artefact of holding packets on the host, see private_network.cpp). Only the calling thread
// changes namespace, so call it before any thread exists; children started later inherit it.
// Returns "" on success, else why not.
std::string enter_private_network();

// Enters the private network and starts the delayer. Call once from main
// before any thread exists. On failure emulation_ready() stays false and
// emulation_unavailable_reason() says why and how to get it.
void start_emulation();
bool emulation_ready();
std::string emulation_unavailable_reason();

// Sends TCP packets to and from `port` on lo through the delayer (once per
// port; later calls do nothing). Throws std::runtime_error if iptables fails.
void delay_port(int port);

// The round trip time from now on: R/2 each way.
void set_rtt(std::chrono::microseconds rtt);

}  // namespace rtt
