// libFuzzer target: mockd's request-parameter parser and response planning,
// the code every request's query string reaches first. Any input must parse
// or be refused with a named parameter, and a parsed request must plan an
// answer within the server's caps: a delay no longer than --max-delay-ms, a
// body no larger than --max-bytes, a status a response can carry.
//
// An input with a newline is "DEFAULT\nQUERY": a server-wide default
// (mockd --default) and a request merged with it. A request that parses,
// merged or not, must come back unchanged from its canonical form
// (to_query, what /stats shows for a default), and a default never holds a seed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "request_params.hpp"
#include "response_plan.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();  // libFuzzer reports the input that got here
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mockd::Limits limits;  // the defaults mockd starts with
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view query = input;
  mockd::RequestDefaults defaults;
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    query = input.substr(newline + 1);
    const mockd::ParseResult d = mockd::parse_default_params(input.substr(0, newline), limits);
    if (d.error) {
      require(!d.error->message.empty());
    } else {
      require(!d.given.has(mockd::Param::seed));
      const auto again = mockd::parse_default_params(mockd::to_query(d.params, d.given), limits);
      require(!again.error && again.params == d.params && again.given == d.given);
      defaults = {d.params, d.given};
    }
  }
  const mockd::ParseResult parsed = mockd::parse_request_params(query, limits, defaults);
  if (parsed.error) {
    require(!parsed.error->param.empty() || !parsed.error->message.empty());
    require(!mockd::param_error_json(*parsed.error).empty());
    return 0;
  }
  const auto again =
      mockd::parse_request_params(mockd::to_query(parsed.params, parsed.given), limits);
  require(!again.error && again.params == parsed.params && again.given == parsed.given);
  const mockd::ResponsePlan plan = mockd::plan_response(parsed.params, limits);
  require(plan.delay.count() >= 0);
  require(plan.delay.count() <= static_cast<long long>(limits.max_delay_ms * 1000) + 1);
  require(plan.body_bytes <= limits.max_bytes);
  require(plan.status >= 100 && plan.status <= 599);
  require(plan.drip.count() >= 0);
  return 0;
}
