// blocking_curl: the `requests.Session` of C++. One thread makes the requests
// one after another with a single libcurl easy handle, whose connection cache
// is the pool: pooled, it keeps one connection per host alive between
// requests; unpooled, every request connects afresh and closes after.
#include <thread>

#include "client_model.hpp"
#include "curl_support.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

void run(const Plan& plan, RunResult& result) {
  const auto targets = parse_targets(plan);
  const Schedule schedule(plan, result.started);
  EasyTransfer transfer(plan);
  result.threads = 1;
  result.samples.resize(plan.requests);
  for (std::size_t i = 0; i < plan.requests; ++i) {
    Sample& s = result.samples[i];
    s.target = static_cast<std::uint32_t>(i % targets.size());
    const Target& target = targets[s.target];
    const auto due = schedule.due(i);
    std::this_thread::sleep_until(due);
    const auto began = Clock::now();
    s.start = schedule.open_loop() ? due : began;
    transfer.prepare(target);
    const CURLcode rc = curl_easy_perform(transfer.handle());
    s.end = Clock::now();
    transfer.finish(rc, s, result);
    finish_sample(s, plan, target, began);
  }
}

const ModelRegistrar registrar("blocking_curl", run);

}  // namespace
}  // namespace clients
