// curl_multi: one thread drives many transfers through libcurl's multi
// interface (curl's event loop, the closest thing to aiohttp in C). The multi
// handle's connection cache is the pool; CURLMOPT_MAX_TOTAL_CONNECTIONS and
// CURLMOPT_MAX_HOST_CONNECTIONS are the limit and the limit per host, and
// transfers over them queue inside libcurl. Unpooled, every transfer connects
// afresh and closes after.
#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "client_model.hpp"
#include "curl_support.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

struct InFlight {
  std::size_t index;
  Clock::time_point began;
  EasyTransfer* transfer;
};

void run(const Plan& plan, RunResult& result) {
  ensure_curl_global_init();
  const auto targets = parse_targets(plan);
  const Schedule schedule(plan, result.started);
  const std::size_t cap = plan.concurrency == 0 ? plan.requests : plan.concurrency;
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(),
                                                              curl_multi_cleanup);
  if (!multi) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(plan.limit));
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(plan.limit_per_host));
  result.threads = 1;

  // Easy handles are recycled, so their TLS session caches live across transfers.
  std::vector<std::unique_ptr<EasyTransfer>> handles;
  std::vector<EasyTransfer*> idle;
  std::unordered_map<CURL*, InFlight> in_flight;
  // Samples are added as transfers start (a timed plan does not know how
  // many there will be) and found again by index, never by reference.
  std::size_t next = 0;
  bool more = schedule.more(0);
  while (more || !in_flight.empty()) {
    // Start every transfer that is due, up to the concurrency.
    const auto is_due = [&](std::size_t i) {
      return !schedule.open_loop() || schedule.due(i) <= Clock::now();
    };
    while (more && in_flight.size() < cap && is_due(next)) {
      if (idle.empty()) {
        handles.push_back(std::make_unique<EasyTransfer>(plan));
        idle.push_back(handles.back().get());
      }
      EasyTransfer* t = idle.back();
      idle.pop_back();
      Sample& s = result.samples.emplace_back();
      s.target = static_cast<std::uint32_t>(next % targets.size());
      const auto began = Clock::now();
      s.start = schedule.open_loop() ? schedule.due(next) : began;
      t->prepare(targets[s.target]);
      curl_multi_add_handle(multi.get(), t->handle());
      in_flight.emplace(t->handle(), InFlight{next, began, t});
      more = schedule.more(++next);
    }
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      const auto it = in_flight.find(msg->easy_handle);
      const InFlight f = it->second;
      in_flight.erase(it);
      Sample& s = result.samples[f.index];
      s.end = Clock::now();
      f.transfer->finish(msg->data.result, s, result);
      finish_sample(s, plan, targets[s.target], f.began);
      note_status_reason(result, s, f.transfer->body_head());
      curl_multi_remove_handle(multi.get(), f.transfer->handle());
      idle.push_back(f.transfer);
    }
    more = more && schedule.more(next);  // a timed plan ends while transfers run
    if (!more && in_flight.empty()) break;
    // Wait for a socket unless more requests can start now; in an open loop,
    // only until the next one is due.
    int wait_ms = 1000;
    if (more && in_flight.size() < cap) {
      const auto until =
          schedule.open_loop() ? schedule.due(next) - Clock::now() : Clock::duration::zero();
      wait_ms = static_cast<int>(std::clamp<long long>(
          std::chrono::ceil<std::chrono::milliseconds>(until).count(), 0, wait_ms));
    }
    if (wait_ms > 0) curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr);
  }
  // Connections close before the multi handle (the unique_ptr), easy handles after.
  multi.reset();
}

const ModelRegistrar registrar("curl_multi", run);

}  // namespace
}  // namespace clients
