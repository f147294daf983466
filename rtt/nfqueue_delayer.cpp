#include "nfqueue_delayer.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <vector>

extern "C" {
#include <libnetfilter_queue/libnetfilter_queue.h>
}

namespace rtt {

using Clock = std::chrono::steady_clock;
constexpr auto kSpin = std::chrono::microseconds(100);

struct NfqueueDelayer::State {
  nfq_handle* handle = nullptr;
  nfq_q_handle* queue = nullptr;
  struct Held {
    std::uint32_t id;
    Clock::time_point release;
  };
  std::deque<Held> held;  // FIFO; release times never decrease
  NfqueueDelayer* owner = nullptr;
  // RTT_PACKET_LOG=<file>: one line per packet as it arrives (for finding
  // where a request waits); off by default, when only metadata is copied.
  std::FILE* log = nullptr;
  Clock::time_point log_start = Clock::now();
};

namespace {

// The IPv4 + TCP header fields of a copied packet, as one log line:
// "<ms since start> <sport>><dport> <flags> seq=<seq> ack=<ack> len=<payload>".
void log_packet(NfqueueDelayer::State& state, nfq_data* data) {
  unsigned char* p = nullptr;
  const int n = nfq_get_payload(data, &p);
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - state.log_start).count();
  if (n < 20 || (p[0] >> 4) != 4) {
    std::fprintf(state.log, "%10.3f non-IPv4 packet (%d bytes)\n", ms, n);
    return;
  }
  const int ihl = (p[0] & 0x0f) * 4;
  const int total = (p[2] << 8) | p[3];
  if (p[9] != IPPROTO_TCP || n < ihl + 20) {
    std::fprintf(state.log, "%10.3f non-TCP packet\n", ms);
    return;
  }
  const unsigned char* t = p + ihl;
  const auto u32 = [](const unsigned char* b) {
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
           b[3];
  };
  const int doff = (t[12] >> 4) * 4;
  const unsigned flags = t[13];
  char f[8] = "";
  int k = 0;
  for (auto [bit, c] :
       {std::pair{0x02u, 'S'}, {0x10u, '.'}, {0x08u, 'P'}, {0x01u, 'F'}, {0x04u, 'R'}})
    if (flags & bit) f[k++] = c;
  std::fprintf(state.log, "%10.3f %5u>%-5u %-4s seq=%u ack=%u len=%d\n", ms,
               (unsigned{t[0]} << 8) | t[1], (unsigned{t[2]} << 8) | t[3], f, u32(t + 4),
               u32(t + 8), total - ihl - doff);
}

int on_packet(nfq_q_handle*, nfgenmsg*, nfq_data* data, void* arg) {
  auto* state = static_cast<NfqueueDelayer::State*>(arg);
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
  if (!header) return 0;
  if (state->log) log_packet(*state, data);
  auto release = Clock::now() + state->owner->delay();
  // FIFO: a packet never overtakes the one before it, even if the delay
  // was lowered in between.
  if (!state->held.empty() && release < state->held.back().release)
    release = state->held.back().release;
  state->held.push_back({ntohl(header->packet_id), release});
  return 0;
}

}  // namespace

NfqueueDelayer::NfqueueDelayer(std::uint16_t queue_num) {
  auto fail = [this](const std::string& what) {
    const std::string reason = what + ": " + std::strerror(errno);
    if (state_) {
      if (state_->queue) nfq_destroy_queue(state_->queue);
      if (state_->handle) nfq_close(state_->handle);
      if (state_->log) std::fclose(state_->log);
      delete state_;
      state_ = nullptr;
    }
    if (wake_fd_ >= 0) close(wake_fd_);
    throw std::runtime_error("nfqueue delayer: " + reason);
  };
  state_ = new State;
  state_->owner = this;
  state_->handle = nfq_open();
  if (!state_->handle) fail("nfq_open");
  // Older kernels need the protocol family bound; newer ones ignore this.
  nfq_unbind_pf(state_->handle, AF_INET);
  if (nfq_bind_pf(state_->handle, AF_INET) < 0) fail("nfq_bind_pf");
  state_->queue = nfq_create_queue(state_->handle, queue_num, &on_packet, state_);
  if (!state_->queue) fail("nfq_create_queue " + std::to_string(queue_num));
  // Metadata only: the verdict needs the packet's id, never its bytes (the
  // debug log copies the first 80, enough for the IPv4 and TCP headers).
  if (const char* path = std::getenv("RTT_PACKET_LOG"); path && *path) {
    state_->log = std::fopen(path, "w");
    if (!state_->log) fail(std::string("RTT_PACKET_LOG: cannot open ") + path);
    std::setvbuf(state_->log, nullptr, _IOLBF, 0);
  }
  if (nfq_set_mode(state_->queue, state_->log ? NFQNL_COPY_PACKET : NFQNL_COPY_META,
                   state_->log ? 80 : 0) < 0)
    fail("nfq_set_mode");
  nfq_set_queue_maxlen(state_->queue, 65536);
  // If the queue ever overflows, let packets through rather than drop them.
  nfq_set_queue_flags(state_->queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  nfnl_rcvbufsiz(nfq_nfnlh(state_->handle), 8 * 1024 * 1024);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) fail("eventfd");
  thread_ = std::thread([this] { run(); });
}

NfqueueDelayer::~NfqueueDelayer() {
  stop_ = true;
  const std::uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {
  }
  thread_.join();
  // Packets still held get their verdict now rather than being dropped.
  for (const auto& h : state_->held) nfq_set_verdict(state_->queue, h.id, NF_ACCEPT, 0, nullptr);
  nfq_destroy_queue(state_->queue);
  nfq_close(state_->handle);
  close(wake_fd_);
  if (state_->log) std::fclose(state_->log);
  delete state_;
}

void NfqueueDelayer::run() {
  // Timers of this thread fire on time rather than up to 50 us late (the
  // default slack), which matters at sub-millisecond RTTs.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  const int fd = nfq_fd(state_->handle);
  std::vector<char> buffer(1 << 16);
  while (!stop_) {
    // Release what is due.
    const auto now = Clock::now();
    while (!state_->held.empty() && state_->held.front().release <= now) {
      nfq_set_verdict(state_->queue, state_->held.front().id, NF_ACCEPT, 0, nullptr);
      state_->held.pop_front();
      ++packets_;
    }
    // Wait for a packet or for the next release, whichever comes first.
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    // poll has millisecond resolution; ppoll gives the sub-millisecond
    // releases small RTTs need.
    timespec ts{};
    timespec* tsp = nullptr;
    if (!state_->held.empty()) {
      // Timers wake this thread some 50 us late in a VM: sleep until shortly
      // before the release, then spin the rest (at most kSpin per release).
      const auto due = state_->held.front().release;
      if (due - Clock::now() <= kSpin) {
        while (Clock::now() < due) {
        }
        continue;
      }
      const auto wait = std::max(Clock::duration::zero(), due - kSpin - Clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
      ts.tv_sec = ns / 1'000'000'000;
      ts.tv_nsec = ns % 1'000'000'000;
      tsp = &ts;
    }
    const int ready = ppoll(fds, 2, tsp, nullptr);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      for (;;) {
        const ssize_t n = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0) break;  // EAGAIN: drained (ENOBUFS: fail-open covers the loss)
        nfq_handle_packet(state_->handle, buffer.data(), static_cast<int>(n));
      }
    }
  }
}

}  // namespace rtt
