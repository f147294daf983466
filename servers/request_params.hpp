// What one request asks mockd to do, read from its query string. Both server
// engines parse requests here, so they accept exactly the same parameters and
// refuse bad ones with the same messages.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mockd {

// Hard ceilings that no option lifts: a cap given on the command line must
// lie within them, so a typo cannot turn a cap into "unbounded".
inline constexpr double kCeilingDelayMs = 600'000;                      // 10 minutes
inline constexpr std::uint64_t kCeilingBytes = std::uint64_t{1} << 30;  // 1 GiB
inline constexpr std::size_t kCeilingHeaderBytes = std::size_t{1} << 20;

// Caps that keep a request from tying the server up; set from the command line.
struct Limits {
  double max_delay_ms = 60'000;
  std::uint64_t max_bytes = 64ull << 20;
  std::size_t max_header_bytes = 16 * 1024;
};

// Every request parameter. The parser and `mockd --help` both read
// request_param_table(), so a parameter cannot be served without being listed.
enum class Param : std::uint8_t {
  delay_ms,
  dist,
  min_ms,
  max_ms,
  p50_ms,
  p99_ms,
  stall_rate,
  stall_ms,
  seed,
  bytes,
  status,
  fail_rate,
  fail_status,
  reset_rate,
  close,
  drip_ms,
  fault,
};
inline constexpr std::size_t kParamCount = static_cast<std::size_t>(Param::fault) + 1;

// Parameters that only make sense together form a group. A request that sets
// any parameter of a group replaces the server-wide default's whole group
// (mockd --default), so a request merged with the default is as valid as
// each of the two on its own: every rule between parameters but one (seed,
// which a default may not set) stays inside a group.
enum class ParamGroup : std::uint8_t {
  delay,     // delay_ms, dist, min_ms, max_ms, p50_ms, p99_ms
  stall,     // stall_rate, stall_ms
  seed,      // seed
  body,      // bytes
  status,    // status
  failure,   // fail_rate, fail_status
  reset,     // reset_rate
  close,     // close
  delivery,  // drip_ms, fault: they exclude each other
};

struct ParamInfo {
  Param id;
  ParamGroup group;
  std::string_view name;
  std::string_view value;    // the form its value takes, e.g. "MS" or "0|1"
  std::string_view meaning;  // one line, for --help
};

// Indexed by Param: request_param_table()[static_cast<size_t>(p)].id == p.
std::span<const ParamInfo> request_param_table();

// One line per parameter ("  name=VALUE   meaning"), for --help.
std::string request_param_help();

// The groups and their parameters, "delay (delay_ms, dist, ...), stall (...)", for --help.
std::string request_param_groups();

std::string_view to_string(ParamGroup group);

// Which parameters a query gave, one bit per Param.
class ParamSet {
 public:
  bool has(Param p) const { return (bits_ & bit(p)) != 0; }
  void add(Param p) { bits_ |= bit(p); }
  bool empty() const { return bits_ == 0; }
  bool operator==(const ParamSet&) const = default;

 private:
  static std::uint32_t bit(Param p) { return std::uint32_t{1} << static_cast<unsigned>(p); }
  std::uint32_t bits_ = 0;
};
static_assert(kParamCount <= 32);

enum class DelayDist { fixed, uniform, lognormal, normal };
enum class Fault { none, reset, empty, garbage };

struct RequestParams {
  DelayDist dist = DelayDist::fixed;
  double delay_ms = 0;            // dist = fixed
  double min_ms = 0, max_ms = 0;  // dist = uniform
  double p50_ms = 0, p99_ms = 0;  // dist = lognormal | normal
  std::optional<std::uint64_t> seed;
  std::optional<std::uint64_t> bytes;  // unset: the short default body
  int status = 200;
  double stall_rate = 0;  // share of requests that wait stall_ms more
  double stall_ms = 0;
  double fail_rate = 0;
  int fail_status = 500;
  double reset_rate = 0;  // share of requests answered with an RST
  bool close = false;
  double drip_ms = 0;
  Fault fault = Fault::none;

  bool operator==(const RequestParams&) const = default;
};

// A refused request: which parameter, and why (sent back in a 400 body).
struct ParamError {
  std::string param;
  std::string message;
};

struct ParseResult {
  RequestParams params;
  ParamSet given;  // the parameters in effect: the query's and the default's it kept
  std::optional<ParamError> error;
};

// The server-wide default (mockd --default, --profile): parameters applied to
// every request that does not set a parameter of their group.
struct RequestDefaults {
  RequestParams params;
  ParamSet given;  // empty: no default
};
inline const RequestDefaults kNoDefaults{};

// `query` is the text after '?' (may be empty). Unknown parameters, repeated
// ones, malformed values and values beyond `limits` are errors: a benchmark
// that asked for something the server did not do would measure the wrong thing.
// Each group of `defaults` that the query does not touch is added whole, and
// the rules between parameters are checked on the result.
ParseResult parse_request_params(std::string_view query, const Limits& limits,
                                 const RequestDefaults& defaults = kNoDefaults);

// A default query (mockd --default) over `base` (a profile's default, or
// none), parsed and merged by the same rules as a request, so it is refused
// for the same reason a request would be answered 400. It may not set seed:
// every request would then draw the same delay and the same failure.
ParseResult parse_default_params(std::string_view query, const Limits& limits,
                                 const RequestDefaults& base = kNoDefaults);

// The parameters in `given` as a query string in the table's order, e.g.
// "dist=lognormal&p50_ms=5&p99_ms=50": parsing it gives `params` back.
std::string to_query(const RequestParams& params, ParamSet given);

// The JSON body of the 400 answer for `error`.
std::string param_error_json(const ParamError& error);

std::string_view to_string(Fault fault);
std::string_view to_string(DelayDist dist);

}  // namespace mockd
