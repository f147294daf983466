// threads_curl: a fixed pool of worker threads (ThreadPoolExecutor with
// blocking requests), one per unit of concurrency, each taking the next
// request from a shared counter with its own libcurl easy handle. Pooled, each
// worker keeps its own connection (libcurl 7.88 cannot safely share one
// connection cache between threads); unpooled, every request connects afresh.
// The plan's connection limits do not apply: the worker count is the cap.
#include <atomic>
#include <thread>
#include <vector>

#include "client_model.hpp"
#include "curl_support.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

void work(const Plan& plan, const std::vector<Target>& targets, const Schedule& schedule,
          std::atomic<std::size_t>& next, RunResult& shared, RunResult& mine) {
  EasyTransfer transfer(plan);
  // Each index is taken, and its sample written, by one worker only.
  for (std::size_t i; (i = next.fetch_add(1)) < plan.requests;)
    perform_request(transfer, plan, targets, schedule, i, shared.samples[i], mine);
}

void run(const Plan& plan, RunResult& result) {
  ensure_curl_global_init();
  const auto targets = parse_targets(plan);
  const Schedule schedule(plan, result.started);
  // Concurrency 0 (gather everything) here means a thread per request.
  const std::size_t workers =
      plan.concurrency == 0 ? plan.requests : std::min(plan.concurrency, plan.requests);
  result.samples.resize(plan.requests);
  std::vector<RunResult> per_worker(workers);
  std::atomic<std::size_t> next{0};
  {
    std::vector<std::jthread> threads;
    for (std::size_t w = 0; w < workers; ++w)
      threads.emplace_back(work, std::cref(plan), std::cref(targets), std::cref(schedule),
                           std::ref(next), std::ref(result), std::ref(per_worker[w]));
  }
  result.threads = workers;
  for (const auto& r : per_worker) {
    result.connections_opened += r.connections_opened;
    merge_error_examples(result, r);
  }
}

const ModelRegistrar registrar("threads_curl", run);

}  // namespace
}  // namespace clients
