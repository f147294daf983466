#include "request_params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace mockd {
namespace {

std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string fmt(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

// The one list of parameters: the parser accepts these names and no other,
// and --help prints these lines. Kept in Param's order (checked below).
constexpr ParamInfo kParams[] = {
    {Param::delay_ms, ParamGroup::delay, "delay_ms", "MS",
     "wait MS milliseconds (decimals allowed) before answering"},
    {Param::dist, ParamGroup::delay, "dist", "uniform|lognormal|normal",
     "draw the delay instead: uniform needs min_ms, max_ms; the others p50_ms, p99_ms"},
    {Param::min_ms, ParamGroup::delay, "min_ms", "MS", "dist=uniform: smallest delay"},
    {Param::max_ms, ParamGroup::delay, "max_ms", "MS", "dist=uniform: largest delay"},
    {Param::p50_ms, ParamGroup::delay, "p50_ms", "MS", "dist=lognormal|normal: median delay"},
    {Param::p99_ms, ParamGroup::delay, "p99_ms", "MS",
     "dist=lognormal|normal: 99th-percentile delay"},
    {Param::stall_rate, ParamGroup::stall, "stall_rate", "P",
     "with probability P the request stalls: it waits stall_ms more (needs stall_ms)"},
    {Param::stall_ms, ParamGroup::stall, "stall_ms", "MS",
     "how much longer a stalled request waits (its whole delay is cut to --max-delay-ms)"},
    {Param::seed, ParamGroup::seed, "seed", "N",
     "the request's draws become a pure function of N (reproducible)"},
    {Param::bytes, ParamGroup::body, "bytes", "N",
     "a body of exactly N bytes (default 16; at most --max-bytes)"},
    {Param::status, ParamGroup::status, "status", "CODE",
     "answer this status (200-599, not 204 or 304)"},
    {Param::fail_rate, ParamGroup::failure, "fail_rate", "P",
     "with probability P answer fail_status instead"},
    {Param::fail_status, ParamGroup::failure, "fail_status", "CODE",
     "the status fail_rate answers (default 500)"},
    {Param::reset_rate, ParamGroup::reset, "reset_rate", "P",
     "with probability P reset the connection (RST) after the delay instead of answering"},
    {Param::close, ParamGroup::close, "close", "0|1",
     "1: send Connection: close and close after the response"},
    {Param::drip_ms, ParamGroup::delivery, "drip_ms", "MS",
     "send the header, then the body in pieces over MS"},
    {Param::fault, ParamGroup::delivery, "fault", "reset|empty|garbage",
     "after the delay: reset (RST), close without answering, or send 256 junk bytes and close"},
};
static_assert(std::size(kParams) == kParamCount);
constexpr bool in_param_order() {
  for (std::size_t i = 0; i < kParamCount; ++i)
    if (static_cast<std::size_t>(kParams[i].id) != i) return false;
  return true;
}
static_assert(in_param_order(), "kParams must list the parameters in Param's order");

std::optional<Param> param_named(std::string_view key) {
  for (const auto& info : kParams)
    if (info.name == key) return info.id;
  return std::nullopt;
}

// Parses one parameter's value into `p`; returns an error message or empty on success.
class Parser {
 public:
  explicit Parser(const Limits& limits) : limits_(limits) {}

  std::string apply(Param param, std::string_view value, RequestParams& p) {
    switch (param) {
      case Param::delay_ms:
        return duration(value, p.delay_ms);
      case Param::min_ms:
        return duration(value, p.min_ms);
      case Param::max_ms:
        return duration(value, p.max_ms);
      case Param::p50_ms:
        return duration(value, p.p50_ms);
      case Param::p99_ms:
        return duration(value, p.p99_ms);
      case Param::drip_ms:
        return duration(value, p.drip_ms);
      case Param::stall_ms:
        return duration(value, p.stall_ms);
      case Param::stall_rate:
        return probability(value, p.stall_rate);
      case Param::reset_rate:
        return probability(value, p.reset_rate);
      case Param::dist:
        if (value == "uniform")
          p.dist = DelayDist::uniform;
        else if (value == "lognormal")
          p.dist = DelayDist::lognormal;
        else if (value == "normal")
          p.dist = DelayDist::normal;
        else
          return "must be uniform, lognormal or normal";
        return {};
      case Param::seed:
        p.seed = parse_uint(value);
        return p.seed ? "" : "must be an unsigned integer";
      case Param::bytes: {
        auto v = parse_uint(value);
        if (!v) return "must be an unsigned integer";
        if (*v > limits_.max_bytes)
          return "exceeds the server's cap of " + std::to_string(limits_.max_bytes) +
                 " (--max-bytes)";
        p.bytes = v;
        return {};
      }
      case Param::status:
        return status(value, p.status);
      case Param::fail_status:
        return status(value, p.fail_status);
      case Param::fail_rate:
        return probability(value, p.fail_rate);
      case Param::close:
        if (value != "0" && value != "1") return "must be 0 or 1";
        p.close = value == "1";
        return {};
      case Param::fault:
        if (value == "reset")
          p.fault = Fault::reset;
        else if (value == "empty")
          p.fault = Fault::empty;
        else if (value == "garbage")
          p.fault = Fault::garbage;
        else
          return "must be reset, empty or garbage";
        return {};
    }
    return "unknown parameter";
  }

 private:
  std::string duration(std::string_view value, double& out) {
    auto v = parse_double(value);
    if (!v || *v < 0) return "must be a non-negative number of milliseconds";
    if (*v > limits_.max_delay_ms)
      return "exceeds the server's cap of " + fmt(limits_.max_delay_ms) + " ms (--max-delay-ms)";
    out = *v;
    return {};
  }

  static std::string probability(std::string_view value, double& out) {
    auto v = parse_double(value);
    if (!v || *v < 0 || *v > 1) return "must be a number from 0 to 1";
    out = *v;
    return {};
  }

  static std::string status(std::string_view value, int& out) {
    auto v = parse_uint(value);
    // 1xx are not final answers, and 204/304 cannot carry the body we send.
    if (!v || *v < 200 || *v > 599 || *v == 204 || *v == 304)
      return "must be a status code from 200 to 599 (not 204 or 304)";
    out = static_cast<int>(*v);
    return {};
  }

  const Limits& limits_;
};

constexpr std::size_t kGroupCount = static_cast<std::size_t>(ParamGroup::delivery) + 1;

// Copies one group's fields. Every field of RequestParams belongs to exactly
// one group; a field missing here would let a default leak into, or vanish
// from, requests (the round trip through to_query in the tests would show it).
void copy_group(ParamGroup group, const RequestParams& from, RequestParams& to) {
  switch (group) {
    case ParamGroup::delay:
      to.dist = from.dist;
      to.delay_ms = from.delay_ms;
      to.min_ms = from.min_ms;
      to.max_ms = from.max_ms;
      to.p50_ms = from.p50_ms;
      to.p99_ms = from.p99_ms;
      return;
    case ParamGroup::stall:
      to.stall_rate = from.stall_rate;
      to.stall_ms = from.stall_ms;
      return;
    case ParamGroup::seed:
      to.seed = from.seed;
      return;
    case ParamGroup::body:
      to.bytes = from.bytes;
      return;
    case ParamGroup::status:
      to.status = from.status;
      return;
    case ParamGroup::failure:
      to.fail_rate = from.fail_rate;
      to.fail_status = from.fail_status;
      return;
    case ParamGroup::reset:
      to.reset_rate = from.reset_rate;
      return;
    case ParamGroup::close:
      to.close = from.close;
      return;
    case ParamGroup::delivery:
      to.drip_ms = from.drip_ms;
      to.fault = from.fault;
      return;
  }
}

// Adds each group of `defaults` that the query left alone. A group the query
// did not touch still holds RequestParams' own defaults, so copying it whole
// is right whether or not the default sets it.
void merge_defaults(const RequestDefaults& defaults, ParseResult& result) {
  if (defaults.given.empty()) return;
  bool touched[kGroupCount] = {};
  for (const auto& info : kParams)
    if (result.given.has(info.id)) touched[static_cast<std::size_t>(info.group)] = true;
  for (std::size_t g = 0; g < kGroupCount; ++g)
    if (!touched[g]) copy_group(static_cast<ParamGroup>(g), defaults.params, result.params);
  for (const auto& info : kParams)
    if (!touched[static_cast<std::size_t>(info.group)] && defaults.given.has(info.id))
      result.given.add(info.id);
}

// Cross-parameter rules, checked once every parameter has been read.
std::optional<ParamError> check_combination(const RequestParams& p, ParamSet seen) {
  auto given = [&](std::string_view k) {
    const auto param = param_named(k);
    return param && seen.has(*param);
  };
  const bool is_dist = given("dist");
  if (is_dist && given("delay_ms"))
    return ParamError{"dist", "give either delay_ms or dist, not both"};
  const bool uniform = is_dist && p.dist == DelayDist::uniform;
  const bool shaped = is_dist && !uniform;
  for (auto k : {"min_ms", "max_ms"})
    if (given(k) && !uniform) return ParamError{k, "only applies with dist=uniform"};
  for (auto k : {"p50_ms", "p99_ms"})
    if (given(k) && !shaped)
      return ParamError{k, "only applies with dist=lognormal or dist=normal"};
  if (uniform) {
    if (!given("min_ms") || !given("max_ms"))
      return ParamError{"dist", "dist=uniform needs min_ms and max_ms"};
    if (p.min_ms > p.max_ms) return ParamError{"min_ms", "must not exceed max_ms"};
  }
  if (shaped) {
    if (!given("p50_ms") || !given("p99_ms"))
      return ParamError{"dist", "dist=lognormal and dist=normal need p50_ms and p99_ms"};
    if (!(p.p50_ms < p.p99_ms)) return ParamError{"p50_ms", "must be less than p99_ms"};
    if (p.dist == DelayDist::lognormal && p.p50_ms <= 0)
      return ParamError{"p50_ms", "must be positive for dist=lognormal"};
  }
  if (given("stall_rate") != given("stall_ms"))
    return given("stall_rate") ? ParamError{"stall_rate", "needs stall_ms"}
                               : ParamError{"stall_ms", "only applies with stall_rate"};
  if (given("seed") && !is_dist && !given("fail_rate") && !given("reset_rate") &&
      !given("stall_rate"))
    return ParamError{"seed", "only applies with dist, fail_rate, reset_rate or stall_rate"};
  if (given("fail_status") && !given("fail_rate"))
    return ParamError{"fail_status", "only applies with fail_rate"};
  if (given("drip_ms") && p.fault != Fault::none)
    return ParamError{"drip_ms", "does not combine with fault"};
  return std::nullopt;
}

}  // namespace

ParseResult parse_request_params(std::string_view query, const Limits& limits,
                                 const RequestDefaults& defaults) {
  ParseResult result;
  Parser parser(limits);
  ParamSet& seen = result.given;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    const auto param = param_named(key);
    if (!param) {
      result.error = ParamError{std::string(key), "unknown parameter"};
      return result;
    }
    if (seen.has(*param)) {
      result.error = ParamError{std::string(key), "given more than once"};
      return result;
    }
    seen.add(*param);
    if (auto msg = parser.apply(*param, value, result.params); !msg.empty()) {
      result.error = ParamError{
          std::string(key), msg + (!value.empty() ? " (got '" + std::string(value) + "')" : "")};
      return result;
    }
  }
  merge_defaults(defaults, result);
  result.error = check_combination(result.params, seen);
  return result;
}

ParseResult parse_default_params(std::string_view query, const Limits& limits,
                                 const RequestDefaults& base) {
  ParseResult result = parse_request_params(query, limits, base);
  if (!result.error && result.given.has(Param::seed))
    result.error = ParamError{"seed",
                              "not allowed in a default: every request would draw the same "
                              "values (send seed with each request)"};
  return result;
}

std::string to_query(const RequestParams& p, ParamSet given) {
  std::string out;
  for (const auto& info : kParams) {
    if (!given.has(info.id)) continue;
    if (!out.empty()) out += '&';
    out += info.name;
    out += '=';
    switch (info.id) {
      case Param::delay_ms:
        out += fmt(p.delay_ms);
        break;
      case Param::dist:
        out += to_string(p.dist);
        break;
      case Param::min_ms:
        out += fmt(p.min_ms);
        break;
      case Param::max_ms:
        out += fmt(p.max_ms);
        break;
      case Param::p50_ms:
        out += fmt(p.p50_ms);
        break;
      case Param::p99_ms:
        out += fmt(p.p99_ms);
        break;
      case Param::stall_rate:
        out += fmt(p.stall_rate);
        break;
      case Param::stall_ms:
        out += fmt(p.stall_ms);
        break;
      case Param::seed:
        out += std::to_string(p.seed.value_or(0));
        break;
      case Param::bytes:
        out += std::to_string(p.bytes.value_or(0));
        break;
      case Param::status:
        out += std::to_string(p.status);
        break;
      case Param::fail_rate:
        out += fmt(p.fail_rate);
        break;
      case Param::fail_status:
        out += std::to_string(p.fail_status);
        break;
      case Param::reset_rate:
        out += fmt(p.reset_rate);
        break;
      case Param::close:
        out += p.close ? '1' : '0';
        break;
      case Param::drip_ms:
        out += fmt(p.drip_ms);
        break;
      case Param::fault:
        out += to_string(p.fault);
        break;
    }
  }
  return out;
}

std::span<const ParamInfo> request_param_table() {
  return kParams;
}

std::string request_param_help() {
  std::size_t width = 0;
  for (const auto& info : kParams)
    width = std::max(width, info.name.size() + 1 + info.value.size());
  std::string out;
  for (const auto& info : kParams) {
    std::string use = std::string(info.name) + "=" + std::string(info.value);
    use.resize(width, ' ');
    out += "  " + use + "  " + std::string(info.meaning) + "\n";
  }
  return out;
}

std::string request_param_groups() {
  std::string out;
  for (std::size_t g = 0; g < kGroupCount; ++g) {
    out += g ? "; " : "";
    out += to_string(static_cast<ParamGroup>(g));
    const char* sep = " (";
    for (const auto& info : kParams)
      if (static_cast<std::size_t>(info.group) == g) {
        out += sep;
        out += info.name;
        sep = ", ";
      }
    out += ")";
  }
  return out;
}

std::string_view to_string(ParamGroup group) {
  switch (group) {
    case ParamGroup::delay:
      return "delay";
    case ParamGroup::stall:
      return "stall";
    case ParamGroup::seed:
      return "seed";
    case ParamGroup::body:
      return "body";
    case ParamGroup::status:
      return "status";
    case ParamGroup::failure:
      return "failure";
    case ParamGroup::reset:
      return "reset";
    case ParamGroup::close:
      return "close";
    case ParamGroup::delivery:
      return "delivery";
  }
  return "?";
}

std::string_view to_string(DelayDist dist) {
  switch (dist) {
    case DelayDist::uniform:
      return "uniform";
    case DelayDist::lognormal:
      return "lognormal";
    case DelayDist::normal:
      return "normal";
    case DelayDist::fixed:
      break;
  }
  return "fixed";
}

std::string param_error_json(const ParamError& error) {
  nlohmann::json j = {{"error", "bad request parameter"},
                      {"param", error.param},
                      {"message", error.param + ": " + error.message}};
  // A value echoed back may be any bytes: replace what is not UTF-8 instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string_view to_string(Fault fault) {
  switch (fault) {
    case Fault::reset:
      return "reset";
    case Fault::empty:
      return "empty";
    case Fault::garbage:
      return "garbage";
    case Fault::none:
      break;
  }
  return "none";
}

}  // namespace mockd
