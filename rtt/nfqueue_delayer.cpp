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
};

namespace {

int on_packet(nfq_q_handle*, nfgenmsg*, nfq_data* data, void* arg) {
  auto* state = static_cast<NfqueueDelayer::State*>(arg);
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
  if (!header) return 0;
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
  // Metadata only: the verdict needs the packet's id, never its bytes.
  if (nfq_set_mode(state_->queue, NFQNL_COPY_META, 0) < 0) fail("nfq_set_mode");
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
