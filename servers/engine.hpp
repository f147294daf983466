// The seam between mockd's command line and its two server engines: both take
// the same configuration, serve the same request parameters and fill the
// same Stats.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "request_params.hpp"
#include "stats.hpp"
#include "tls_identity.hpp"

namespace mockd {

// What a client's FIN (it shut down its sending side) during a request's
// delay means. A FIN is all the server sees of a client that closed its
// socket and of one that only half-closed after a complete request (`nc -N`,
// some HTTP/1.0 clients); the two cannot be told apart.
enum class HalfClose {
  cancel,  // the client left (as nginx's 499): counted cancelled, nothing sent
  answer,  // wait out the delay, answer, close; only an RST counts as leaving
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  int threads = 1;
  Limits limits;
  // Most connections counted (serving requests other than /stats) at once;
  // a connection beyond it is answered 503 and closed (--max-connections).
  std::optional<std::int64_t> max_connections;
  // Applied to every counted request that leaves their groups alone (--default, --profile).
  RequestDefaults defaults;
  std::chrono::milliseconds header_timeout{
      10'000};                                     // from a request's first byte to its full header
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive connection waiting for a request
  std::chrono::milliseconds shutdown_timeout{5'000};  // in-flight requests get this long to finish
  std::optional<TlsIdentity> tls;
  TlsVersion tls_version = TlsVersion::any;
  // The middleware scenario's C++ side: time each request from its parsed
  // header to its response header, and send that as "handler;dur=" in
  // Server-Timing (asio engine only).
  bool time_handlers = false;
  // The asio engine watches a connection during a delay; the blocking
  // engine cannot (it always answers).
  HalfClose half_close = HalfClose::cancel;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // The bound port (the constructor binds, so this is known before run()).
  virtual std::uint16_t port() const = 0;
  // Serves until stop(); returns once in-flight requests finished or the
  // shutdown timeout passed.
  virtual void run() = 0;
  // Stops accepting and begins the shutdown; callable from any thread.
  virtual void stop() = 0;
};

// What cpp-httplib gives the blocking engine no way to see: the library
// accepts, reads idle connections and does TLS handshakes itself, and
// answers a stalled header with a plain 400. A handler cannot watch its
// connection during a delay either, so a client that gives up is not seen.
inline constexpr Uncounted kBlockingUncounted =
    Uncounted::header_timeouts | Uncounted::idle_timeouts | Uncounted::tls_handshake_failures |
    Uncounted::accept_fd_exhausted | Uncounted::requests_cancelled;

// The blocking engine's default idle timeout: an idle keep-alive connection
// holds one of its few threads, so a handful of silent clients would
// otherwise stop it for the asio engine's 60 s (cpp-httplib's own default).
inline constexpr std::chrono::milliseconds kBlockingIdleTimeout{5'000};

// Both throw std::runtime_error when they cannot bind or set up TLS.
std::unique_ptr<Engine> make_asio_engine(const ServerConfig& config, Stats& stats);
std::unique_ptr<Engine> make_blocking_engine(const ServerConfig& config, Stats& stats);

}  // namespace mockd
