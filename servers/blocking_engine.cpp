// mockd's blocking engine: cpp-httplib with a fixed pool of --threads
// workers that *sleep* in the handler. It is the server-side form of the
// blocking-sleep claim: T sleeping threads serve at most T/delay requests per
// second, however many clients wait.
//
// cpp-httplib gives a handler no access to its socket and never closes a
// connection because a *response* says `Connection: close`; for close=1 and
// faults the handler finds its socket by address (socket_of below). Its
// per-read timeout stands in for --header-timeout-ms.
//
// Most requests are answered from the library's pre-routing hook, which runs
// once the header is parsed and before any body is read: there mockd checks
// the header's size against --max-header-bytes and refuses ambiguous body
// framing (request smuggling material), and answers every request without a
// body itself, whatever its method or path. Only requests with a body go on
// to the library's method routes, which read (and mockd discards) it. What
// the library decides before that hook (pipelining, the request line, header
// lines without a colon or over 8 KiB) stays as it is: see README.
#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "engine.hpp"
#include "http_text.hpp"
#include "response_plan.hpp"

namespace mockd {
namespace {

// A connection's whole life runs in one task on one pool thread, so the task
// boundary is where a connection ends; this thread's flag says whether the
// connection now being served has been counted.
thread_local bool connection_counted = false;

class CountingPool final : public httplib::ThreadPool {
 public:
  CountingPool(std::size_t n, Stats& stats) : httplib::ThreadPool(n), stats_(stats) {}
  void enqueue(std::function<void()> fn) override {
    httplib::ThreadPool::enqueue([this, fn = std::move(fn)] {
      connection_counted = false;
      fn();
      if (connection_counted) stats_.connection_closed();
    });
  }

 private:
  Stats& stats_;
};

// The descriptor of this process's TCP socket whose peer is
// remote_addr:remote_port and whose local port is local_port; -1 if none.
// A scan of /proc/self/fd: only used for close=1 and faults.
int socket_of(const std::string& remote_addr, int remote_port, int local_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage peer{}, local{};
    socklen_t peer_len = sizeof peer, local_len = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    char addr[INET6_ADDRSTRLEN] = "";
    int peer_port = 0, own_port = 0;
    if (peer.ss_family == AF_INET) {
      auto* p = reinterpret_cast<sockaddr_in*>(&peer);
      inet_ntop(AF_INET, &p->sin_addr, addr, sizeof addr);
      peer_port = ntohs(p->sin_port);
      own_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      auto* p = reinterpret_cast<sockaddr_in6*>(&peer);
      inet_ntop(AF_INET6, &p->sin6_addr, addr, sizeof addr);
      peer_port = ntohs(p->sin6_port);
      own_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
    }
    if (peer_port == remote_port && own_port == local_port && remote_addr == addr) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

// Sends `fault` on a socket cpp-httplib still owns: it must stay open (the
// library closes it), so RST comes from disconnecting it (connect with
// AF_UNSPEC resets an established TCP connection), not from close().
void send_fault(int fd, Fault fault) {
  if (fault == Fault::reset) {
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    connect(fd, &unspec, sizeof unspec);
    return;
  }
  if (fault == Fault::garbage) {
    thread_local std::mt19937 rng{std::random_device{}()};
    char junk[256];
    for (auto& c : junk) c = static_cast<char>(rng());
    junk[0] = '\x01';  // never starts like "HTTP/"
    [[maybe_unused]] auto n = send(fd, junk, sizeof junk, MSG_NOSIGNAL);
  }
  shutdown(fd, SHUT_RDWR);
}

// cpp-httplib listens with a backlog of 5: a burst of new connections beyond
// it would be dropped and retried by the clients' TCP a second later, which
// measures SYN retries, not the server. Its listening socket is protected;
// this exposes it so the engine can listen again with a full backlog.
template <class Base>
struct WithListeningSocket : Base {
  using Base::Base;
  int listening_fd() const { return this->svr_sock_; }
};

struct HttplibServer {
  std::unique_ptr<httplib::Server> server;
  std::function<int()> listening_fd;
};

template <class S, class... Args>
HttplibServer wrap(Args&&... args) {
  auto server = std::make_unique<WithListeningSocket<S>>(std::forward<Args>(args)...);
  auto* raw = server.get();
  return {std::move(server), [raw] { return raw->listening_fd(); }};
}

HttplibServer make_server(const ServerConfig& config) {
  if (!config.tls) return wrap<httplib::Server>();
  auto read = [](const std::string& pem, auto reader) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    auto* obj = reader(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return obj;
  };
  X509* cert = read(config.tls->cert_pem, PEM_read_bio_X509);
  EVP_PKEY* key = read(config.tls->key_pem, PEM_read_bio_PrivateKey);
  if (!cert || !key) throw std::runtime_error("TLS: cannot read the certificate or key");
  auto wrapped = wrap<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  auto& server = static_cast<httplib::SSLServer&>(*wrapped.server);
  if (!server.is_valid()) throw std::runtime_error("TLS: cpp-httplib rejected the certificate");
  restrict_tls_version(server.ssl_context(), config.tls_version);
  return wrapped;
}

// Bodies up to this size are built as one string (the library keeps
// sending those at shutdown); larger ones are streamed from the shared body
// block, so clients that do not read cannot make each thread hold a copy.
constexpr std::size_t kStringBodyLimit = 1 << 20;

// How a request's body is framed, from its parsed header.
enum class Framing { none, sized, chunked, ambiguous };

// RFC 9112 §6: one Content-Length of digits, or Transfer-Encoding exactly
// "chunked" (the only coding cpp-httplib decodes), never both. Anything else
// could be read one way here and another way by a proxy in front.
Framing framing_of(const httplib::Request& req, std::string& why) {
  const auto lengths = req.get_header_value_count("Content-Length");
  const auto codings = req.get_header_value_count("Transfer-Encoding");
  if (lengths > 0 && codings > 0)
    return why = "both Content-Length and Transfer-Encoding", Framing::ambiguous;
  if (lengths > 1) return why = "more than one Content-Length", Framing::ambiguous;
  if (codings > 1) return why = "more than one Transfer-Encoding", Framing::ambiguous;
  if (codings == 1) {
    const std::string coding = req.get_header_value("Transfer-Encoding");
    if (strcasecmp(coding.c_str(), "chunked") != 0)
      return why = "Transfer-Encoding other than chunked", Framing::ambiguous;
    return Framing::chunked;
  }
  if (lengths == 0) return Framing::none;
  const std::string length = req.get_header_value("Content-Length");
  if (length.empty() || length.size() > 18 ||
      length.find_first_not_of("0123456789") != std::string::npos)
    return why = "Content-Length is not a number", Framing::ambiguous;
  return std::stoull(length) == 0 ? Framing::none : Framing::sized;
}

// The header's size as sent, less optional whitespace: the request line and
// each "Name: value" line with its CRLF. cpp-httplib caps each line at 8 KiB
// but not their sum. The library's own entries for the peer are not counted.
std::size_t header_bytes(const httplib::Request& req) {
  std::size_t n = req.method.size() + 1 + req.target.size() + 1 + req.version.size() + 2 + 2;
  for (const auto& [name, value] : req.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT")
      continue;
    n += name.size() + 2 + value.size() + 2;
  }
  return n;
}

class BlockingEngine final : public Engine {
 public:
  BlockingEngine(const ServerConfig& config, Stats& stats)
      : config_(config), stats_(stats), httplib_(make_server(config)), server_(*httplib_.server) {
    const auto threads = static_cast<std::size_t>(std::max(1, config.threads));
    server_.new_task_queue = [threads, &stats] { return new CountingPool(threads, stats); };
    // Debian's build closes a connection after 5 requests; a pooled client
    // must be able to reuse one connection for a whole run.
    server_.set_keep_alive_max_count(std::numeric_limits<std::size_t>::max());
    server_.set_keep_alive_timeout(std::max<time_t>(1, config.idle_timeout.count() / 1000));
    server_.set_read_timeout(
        std::chrono::duration_cast<std::chrono::microseconds>(config.header_timeout));
    // A client that stops reading holds a thread this long per blocked write.
    server_.set_write_timeout(std::chrono::seconds(5));
    server_.set_payload_max_length(1 << 20);
    server_.set_tcp_nodelay(true);

    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res);
    };
    // cpp-httplib calls its logger once a response is written: the moment to
    // close a connection that should not be kept alive.
    server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      after_response(req, res);
    });
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return pre_route(req, res);
    });
    // Requests with a body: the library reads it, then routes by method.
    // The pattern matches any path, newlines (%0A) included.
    const char* any_path = "[\\s\\S]*";
    server_.Get(any_path, handler);
    server_.Post(any_path, handler);
    server_.Put(any_path, handler);
    server_.Delete(any_path, handler);
    server_.Patch(any_path, handler);
    server_.Options(any_path, handler);

    port_ = config.port == 0 ? server_.bind_to_any_port(config.host)
                             : (server_.bind_to_port(config.host, config.port) ? config.port : -1);
    if (port_ <= 0)
      throw std::runtime_error("cannot bind " + config.host + ":" + std::to_string(config.port));
    if (::listen(httplib_.listening_fd(), SOMAXCONN) != 0)
      throw std::runtime_error("cannot widen the listen backlog");
  }

  std::uint16_t port() const override { return static_cast<std::uint16_t>(port_); }

  void run() override {
    server_.listen_after_bind();
    // After stop(), the stopper thread ends the process once the requests in
    // flight are done; returning would let main destroy this engine while
    // that thread still reads it.
    if (stopping_.load())
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }

  // cpp-httplib's stop() closes the listening socket, but its pool then waits
  // for every keep-alive connection to go idle-timeout. Requests in flight
  // get the shutdown timeout to finish; then the process exits.
  void stop() override {
    stopping_.store(true);
    server_.stop();
    std::thread([this] {
      const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_timeout;
      while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the last bytes leave
      std::fputs("mockd: stopped\n", stderr);
      std::_Exit(0);
    }).detach();
  }

 private:
  // Counts requests inside their handler (where the delay is slept), so a
  // shutdown can wait for them.
  struct InFlight {
    std::atomic<int>& n;
    explicit InFlight(std::atomic<int>& count) : n(count) { n.fetch_add(1); }
    ~InFlight() { n.fetch_sub(1); }
  };

  // Runs once the header is parsed, before the library reads any body.
  httplib::Server::HandlerResponse pre_route(const httplib::Request& req, httplib::Response& res) {
    std::string why;
    if (header_bytes(req) > config_.limits.max_header_bytes) {
      refuse(res, 431, "request header larger than the cap (--max-header-bytes)");
      return httplib::Server::HandlerResponse::Handled;
    }
    const Framing framing = framing_of(req, why);
    if (framing == Framing::ambiguous) {
      stats_.malformed_request();
      refuse(res, 400, "ambiguous request body framing: " + why);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (framing != Framing::none) return httplib::Server::HandlerResponse::Unhandled;
    // No body (RFC 9112 §6.3: a request without Content-Length or
    // Transfer-Encoding has none): answered here, whatever the method, so the
    // library neither waits for a body of a POST until the client closes nor
    // answers 404 for a method it has no route for.
    handle(req, res);
    return httplib::Server::HandlerResponse::Handled;
  }

  // An error answer of ours, after which the connection is closed.
  void refuse(httplib::Response& res, int status, const std::string& message) {
    stats_.request_served(status);
    res.status = status;
    res.set_header("Server", "mockd");
    res.set_header("Connection", "close");  // after_response closes it
    res.set_content("{\"error\":\"" + message + "\"}\n", "application/json");
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    InFlight in_flight(in_flight_);
    res.set_header("Server", "mockd");  // marks answers of ours, see after_response
    const auto [path, query] = split_target(req.target);
    if (is_stats_path(path)) return answer_stats(req, path, res);
    if (!connection_counted) {
      connection_counted = true;
      const bool resumed = req.ssl && SSL_session_reused(const_cast<SSL*>(req.ssl)) == 1;
      stats_.connection_counted(config_.tls.has_value(), resumed);
    }
    stats_.request_started();
    auto parsed = parse_request_params(query, config_.limits);
    if (parsed.error) {
      stats_.request_served(400);
      res.status = 400;
      res.set_content(param_error_json(*parsed.error), "application/json");
      return;
    }
    const ResponsePlan plan = plan_response(parsed.params, config_.limits);
    // The point of this engine: the worker thread sleeps, serving nobody.
    std::this_thread::sleep_for(plan.delay);
    if (plan.fault != Fault::none) {
      stats_.fault_sent(plan.fault);
      if (const int fd = socket_of(req.remote_addr, req.remote_port, req.local_port); fd >= 0)
        send_fault(fd, plan.fault);
      res.status = 500;  // never reaches the client: the socket is gone
      return;
    }
    if (plan.close) res.set_header("Connection", "close");  // after_response closes it
    stats_.request_served(plan.status);
    res.status = plan.status;
    std::string timing;
    append_server_timing(timing, plan.delay);
    res.set_header("Server-Timing", timing);
    const std::size_t body = plan.body_bytes;
    if (body == 0) {
      res.set_content("", "text/plain");
      return;
    }
    if (plan.drip.count() == 0 && body > kStringBodyLimit) {
      // Streamed from the shared block: eight clients that do not read a
      // 64 MiB body would otherwise hold 512 MiB of copies.
      res.set_content_provider(
          body, "text/plain",
          [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            const std::size_t end = std::min(body, offset + length);
            for (std::size_t at = offset; at < end;) {
              const auto slice = body_slice(at, end - at);
              if (!sink.write(slice.data(), slice.size())) return false;
              at += slice.size();
            }
            return true;
          });
      return;
    }
    if (plan.drip.count() == 0) {
      // A plain string, not a content provider: cpp-httplib stops calling
      // providers once the server is stopping, which would cut in-flight
      // responses short at shutdown.
      std::string content;
      content.reserve(body);
      while (content.size() < body) content += body_slice(content.size(), body - content.size());
      res.set_content(std::move(content), "text/plain");
      return;
    }
    // Dripped: pieces of the body spread over the drip time, sleeping between them.
    const std::size_t pieces = std::clamp<std::size_t>(
        static_cast<std::size_t>((plan.drip.count() + 9'999) / 10'000), 1, body);
    const auto pause = plan.drip / static_cast<long>(pieces);
    res.set_content_provider(
        body, "text/plain",
        [body, pieces, pause](std::size_t offset, std::size_t, httplib::DataSink& sink) {
          std::size_t piece = offset * pieces / body;
          while (body * (piece + 1) / pieces <= offset) ++piece;
          const std::size_t end = body * (piece + 1) / pieces;
          std::this_thread::sleep_for(pause);
          for (std::size_t at = offset; at < end;) {
            const auto slice = body_slice(at, end - at);
            if (!sink.write(slice.data(), slice.size())) return false;
            at += slice.size();
          }
          return true;
        });
  }

  // Closes the connection after a response that asked for it, and after
  // cpp-httplib's own error answers (malformed request, header read timeout):
  // the library would keep those connections alive. Shutting down the read
  // side ends its keep-alive loop without closing a socket it owns.
  void after_response(const httplib::Request& req, const httplib::Response& res) {
    const bool ours = res.has_header("Server");
    if (!ours) stats_.malformed_request();
    if (ours && !is_stats_path(split_target(req.target).path)) stats_.request_completed();
    if (ours && res.get_header_value("Connection") != "close") return;
    if (const int fd = socket_of(req.remote_addr, req.remote_port, req.local_port); fd >= 0)
      shutdown(fd, SHUT_RD);
  }

  void answer_stats(const httplib::Request& req, std::string_view path, httplib::Response& res) {
    if (path == "/stats" && (req.method == "GET" || req.method == "HEAD")) {
      res.set_content(stats_.to_json("blocking"), "application/json");
    } else if (path == "/stats/reset" && req.method == "POST") {
      stats_.reset();
      res.set_content(stats_.to_json("blocking"), "application/json");
    } else {
      res.status = 405;
      res.set_content("{\"error\":\"use GET /stats or POST /stats/reset\"}\n", "application/json");
    }
  }

  ServerConfig config_;
  Stats& stats_;
  HttplibServer httplib_;
  httplib::Server& server_;
  int port_ = -1;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace

std::unique_ptr<Engine> make_blocking_engine(const ServerConfig& config, Stats& stats) {
  return std::make_unique<BlockingEngine>(config, stats);
}

}  // namespace mockd
