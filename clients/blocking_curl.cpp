// blocking_curl: the `requests.Session` of C++. One thread makes the requests
// one after another with a single libcurl easy handle, whose connection cache
// is the pool: pooled, it keeps one connection per host alive between
// requests; unpooled, every request connects afresh and closes after.
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
  for (std::size_t i = 0; schedule.more(i); ++i)
    perform_request(transfer, plan, targets, schedule, i, result.samples.emplace_back(), result);
}

const ModelRegistrar registrar("blocking_curl", run);

}  // namespace
}  // namespace clients
