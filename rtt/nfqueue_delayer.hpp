// A packet delayer on libnetfilter-queue: every packet the kernel puts on its
// queue (by an iptables NFQUEUE rule) is accepted `delay` after it arrived,
// first in, first out. No loss, no reordering, no bandwidth model.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace rtt {

class NfqueueDelayer {
 public:
  // Binds queue `queue_num` and starts the delayer's thread. Throws
  // std::runtime_error when the queue cannot be bound (no CAP_NET_ADMIN).
  explicit NfqueueDelayer(std::uint16_t queue_num);
  ~NfqueueDelayer();
  NfqueueDelayer(const NfqueueDelayer&) = delete;
  NfqueueDelayer& operator=(const NfqueueDelayer&) = delete;

  // The delay applied to packets that arrive from now on (one way).
  void set_delay(std::chrono::microseconds delay) { delay_us_.store(delay.count()); }
  std::chrono::microseconds delay() const { return std::chrono::microseconds(delay_us_.load()); }

  std::uint64_t packets() const { return packets_.load(); }

  struct State;  // libnetfilter-queue's handles and the held packets

 private:
  void run();

  std::atomic<std::int64_t> delay_us_{0};
  std::atomic<std::uint64_t> packets_{0};
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;  // an eventfd that ends the thread's poll
  State* state_ = nullptr;
  std::thread thread_;
};

}  // namespace rtt
