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

struct ParamInfo {
  Param id;
  std::string_view name;
  std::string_view value;    // the form its value takes, e.g. "MS" or "0|1"
  std::string_view meaning;  // one line, for --help
};

// Indexed by Param: request_param_table()[static_cast<size_t>(p)].id == p.
std::span<const ParamInfo> request_param_table();

// One line per parameter ("  name=VALUE   meaning"), for --help.
std::string request_param_help();

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
};

// A refused request: which parameter, and why (sent back in a 400 body).
struct ParamError {
  std::string param;
  std::string message;
};

struct ParseResult {
  RequestParams params;
  std::optional<ParamError> error;
};

// `query` is the text after '?' (may be empty). Unknown parameters, repeated
// ones, malformed values and values beyond `limits` are errors: a benchmark
// that asked for something the server did not do would measure the wrong thing.
ParseResult parse_request_params(std::string_view query, const Limits& limits);

// The JSON body of the 400 answer for `error`.
std::string param_error_json(const ParamError& error);

std::string_view to_string(Fault fault);

}  // namespace mockd
