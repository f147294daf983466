// threads_curl: a fixed pool of worker threads (ThreadPoolExecutor with
// blocking requests), one per unit of concurrency, each taking the next
// request from a shared counter with its own libcurl easy handle. Pooled, each
// worker keeps its own connection (libcurl 7.88 cannot safely share one
// connection cache between threads); unpooled, every request connects afresh.
// The plan's connection limits do not apply: the worker count is the cap.
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "client_model.hpp"
#include "curl_support.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

// Each worker keeps its samples with their request indices (a timed plan does
// not know how many there will be, so there is no shared array to write into);
// run() puts them in request order.
struct WorkerResult {
  RunResult result;
  std::vector<std::size_t> indices;
};

void work(const Plan& plan, const std::vector<Target>& targets, const Schedule& schedule,
          std::atomic<std::size_t>& next, WorkerResult& mine) {
  EasyTransfer transfer(plan);
  for (std::size_t i; schedule.more(i = next.fetch_add(1));) {
    mine.indices.push_back(i);
    perform_request(transfer, plan, targets, schedule, i, mine.result.samples.emplace_back(),
                    mine.result);
  }
}

void run(const Plan& plan, RunResult& result) {
  ensure_curl_global_init();
  const auto targets = parse_targets(plan);
  const Schedule schedule(plan, result.started);
  // Concurrency 0 (gather everything) here means a thread per request.
  const std::size_t workers =
      plan.concurrency == 0 ? plan.requests : std::min(plan.concurrency, plan.requests);
  std::vector<WorkerResult> per_worker(workers);
  std::atomic<std::size_t> next{0};
  {
    std::vector<std::jthread> threads;
    for (std::size_t w = 0; w < workers; ++w)
      threads.emplace_back(work, std::cref(plan), std::cref(targets), std::cref(schedule),
                           std::ref(next), std::ref(per_worker[w]));
  }
  result.threads = workers;
  // Each index was taken once, but a timed plan may leave a gap (a worker
  // that took index i saw the end pass while another had already started
  // i + 1), so the samples are sorted by index rather than placed at it.
  std::vector<std::pair<std::size_t, const Sample*>> order;
  for (const auto& w : per_worker)
    for (std::size_t k = 0; k < w.indices.size(); ++k)
      order.emplace_back(w.indices[k], &w.result.samples[k]);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  result.samples.reserve(order.size());
  for (const auto& [index, sample] : order) result.samples.push_back(*sample);
  for (const auto& w : per_worker) {
    result.connections_opened += w.result.connections_opened;
    merge_error_examples(result, w.result);
  }
}

const ModelRegistrar registrar("threads_curl", run);

}  // namespace
}  // namespace clients
