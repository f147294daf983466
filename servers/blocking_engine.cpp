// mockd's blocking engine: cpp-httplib with a fixed pool of --threads
// workers that *sleep* in the handler. It is the server-side form of the
// blocking-sleep claim: T sleeping threads serve at most T/delay requests per
// second, however many clients wait.
//
// cpp-httplib gives a handler no access to its socket and never closes a
// connection because a *response* says `Connection: close`; for close=1,
// faults and the library's own error answers the handler uses the socket
// its pool thread is serving (connection_fd below). Its per-read timeout
// stands in for --header-timeout-ms.
//
// Plain connections are served by mockd's own loop over the library's
// request processing (PlainServer): the library's socket stream refuses to
// write to a client that has sent its FIN, so a client that sends a whole
// request and then shuts down its sending side would get no answer.
//
// Most requests are answered from the library's pre-routing hook, which runs
// once the header is parsed and before any body is read: there mockd checks
// the header's size against --max-header-bytes and refuses ambiguous body
// framing (request smuggling material), and answers every request without a
// body itself, whatever its method or path. Only requests with a body go on
// to the library's method routes, which read (and mockd discards) it. What
// the library decides before that hook (pipelining, the request line, header
// lines without a colon or over 8 KiB) stays as it is: see servers/README.md.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <poll.h>
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
// boundary is where a connection ends; this thread's variables describe the
// connection now being served: whether it has been counted, its socket (-1
// until known: PlainServer and, over TLS, the handshake set it), and whether
// it is being closed (a library error after that is not counted again).
thread_local bool connection_counted = false;
thread_local int connection_fd = -1;
thread_local bool connection_closing = false;
thread_local bool connection_refused = false;  // over --max-connections: answered 503

class CountingPool final : public httplib::ThreadPool {
 public:
  CountingPool(std::size_t n, Stats& stats) : httplib::ThreadPool(n), stats_(stats) {}
  void enqueue(std::function<void()> fn) override {
    httplib::ThreadPool::enqueue([this, fn = std::move(fn)] {
      connection_counted = false;
      connection_fd = -1;
      connection_closing = false;
      connection_refused = false;
      fn();
      if (connection_counted) stats_.connection_closed();
    });
  }

 private:
  Stats& stats_;
};

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

// True once `fd` has `events` (or an error, or the peer's FIN for POLLIN)
// within `timeout`.
bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  while (n < 0 && errno == EINTR);
  return n > 0;
}

std::chrono::milliseconds to_ms(time_t sec, time_t usec) {
  return std::chrono::milliseconds(sec * 1000 + usec / 1000);
}

// "address" and port of a socket's peer (getpeername) or own end (getsockname),
// as cpp-httplib's own stream reports them.
template <class Get>
void address_of(int fd, Get get, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (get(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// cpp-httplib's plain socket stream as 0.11.4 has it (one per request, reading
// ahead into a 4 KiB buffer, so pipelined requests are still lost: servers/README.md),
// except that a socket is writable whether or not the client has sent its
// FIN. The library's own stream also asks that the socket not be at its end
// of stream before each write, which drops the answer to a client that
// half-closed after its request (`printf ... | nc -N`).
class PlainStream final : public httplib::Stream {
 public:
  PlainStream(int fd, std::chrono::milliseconds read_timeout,
              std::chrono::milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  bool is_readable() const override { return wait_for(fd_, POLLIN, read_timeout_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered_at_ < buffered_) {
      const std::size_t n = std::min(size, buffered_ - buffered_at_);
      std::memcpy(ptr, buffer_.data() + buffered_at_, n);
      buffered_at_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    if (size >= buffer_.size()) return receive(ptr, size);
    const ssize_t n = receive(buffer_.data(), buffer_.size());
    if (n <= 0) return n;
    const std::size_t given = std::min(size, static_cast<std::size_t>(n));
    std::memcpy(ptr, buffer_.data(), given);
    buffered_at_ = given;
    buffered_ = static_cast<std::size_t>(n);
    return static_cast<ssize_t>(given);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, ::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_of(fd_, ::getsockname, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  ssize_t receive(char* ptr, std::size_t size) {
    ssize_t n;
    do n = ::recv(fd_, ptr, size, 0);
    while (n < 0 && errno == EINTR);
    return n;
  }

  int fd_;
  std::chrono::milliseconds read_timeout_, write_timeout_;
  std::array<char, 4096> buffer_;
  std::size_t buffered_ = 0, buffered_at_ = 0;
};

// cpp-httplib's plain server with its connection loop replaced by the same
// loop over PlainStream: wait (up to the keep-alive timeout) for a request,
// let the library read and answer it, until it or mockd ends the connection.
class PlainServer : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override {
    connection_fd = sock;
    const auto read_timeout = to_ms(read_timeout_sec_, read_timeout_usec_);
    const auto write_timeout = to_ms(write_timeout_sec_, write_timeout_usec_);
    bool ok = false;
    for (std::size_t left = keep_alive_max_count_; left > 0 && request_arrives(sock); --left) {
      PlainStream stream(sock, read_timeout, write_timeout);
      bool closed = false;
      ok = process_request(stream, left == 1, closed, nullptr);
      if (!ok || closed) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  // Waits for a request's first byte (or the client's FIN) for the keep-alive
  // timeout, in slices, so that a server being stopped lets go sooner.
  bool request_arrives(int sock) const {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
    while (svr_sock_ != INVALID_SOCKET) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (wait_for(sock, POLLIN, std::min(left, std::chrono::milliseconds(100)))) return true;
    }
    return false;
  }
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
  if (!config.tls) return wrap<PlainServer>();
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
  // The handshake runs on the pool thread that then serves the connection:
  // the moment to note its socket.
  SSL_CTX_set_info_callback(server.ssl_context(), [](const SSL* ssl, int where, int) {
    if (where & SSL_CB_HANDSHAKE_START) connection_fd = SSL_get_fd(ssl);
  });
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

// RFC 9110 §5.1: a field name is a token (tchar).
bool is_token(std::string_view name) {
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos)
      return false;
  return true;
}

// Why a field is refused, empty if it is not: a name that is not a token
// (cpp-httplib keeps "Transfer-Encoding : chunked" as a field named
// "Transfer-Encoding " that the framing check would not see, a known
// request-smuggling form) or a value with a control character (a NUL
// included) other than HTAB, or DEL. The asio engine's parser (Beast) refuses
// exactly these.
std::string bad_field(const httplib::Request& req) {
  for (const auto& [name, value] : req.headers) {
    if (!is_token(name)) return "a header field name that is not a token";
    for (const char c : value)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        return "a control character in a header field value";
  }
  return {};
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
    if (why = bad_field(req); !why.empty()) {
      stats_.malformed_request();
      refuse(res, 400, "malformed HTTP request: " + why);
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
      const bool resumed = req.ssl && SSL_session_reused(const_cast<SSL*>(req.ssl)) == 1;
      if (!stats_.connection_counted(config_.tls.has_value(), resumed, config_.max_connections)) {
        connection_refused = true;
        res.status = 503;
        res.set_header("Connection", "close");  // after_response closes it
        res.set_content(std::string(kOverConnectionCap), "application/json");
        return;
      }
      connection_counted = true;
    }
    // Leaves when this handler returns the response to the library to write
    // (or before a fault is sent): a client that has its answer never finds
    // its request still in flight.
    RequestInFlight request(stats_);
    auto parsed = parse_request_params(query, config_.limits, config_.defaults);
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
      request.leave();
      if (connection_fd >= 0) send_fault(connection_fd, plan.fault);
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
  // side ends its keep-alive loop without closing a socket it owns. After the
  // library's own error the writing side is shut too: over TLS the library
  // would otherwise go on reading the rest of a bad header out of its TLS
  // buffer as further requests, answering (and counting) each line.
  void after_response(const httplib::Request& req, const httplib::Response& res) {
    const bool ours = res.has_header("Server");
    if (!ours && !connection_closing) stats_.malformed_request();
    if (ours && !connection_refused && !is_stats_path(split_target(req.target).path))
      stats_.request_completed();
    if (ours && res.get_header_value("Connection") != "close") return;
    connection_closing = true;
    if (connection_fd >= 0) shutdown(connection_fd, ours ? SHUT_RD : SHUT_RDWR);
  }

  // As the asio engine: at most Stats::kMaxStatsBodies bodies held at once
  // (more: 503, closed), each written within the write timeout or dropped.
  void answer_stats(const httplib::Request& req, std::string_view path, httplib::Response& res) {
    const bool read = path == "/stats" && (req.method == "GET" || req.method == "HEAD");
    const bool reset = path == "/stats/reset" && req.method == "POST";
    if (!read && !reset) {
      res.status = 405;
      res.set_content("{\"error\":\"use GET /stats or POST /stats/reset\"}\n", "application/json");
      return;
    }
    auto place = stats_.take_stats_body_place();
    if (!place) {
      res.status = 503;
      res.set_header("Connection", "close");  // after_response closes it
      res.set_content("{\"error\":\"too many /stats requests at once\"}\n", "application/json");
      return;
    }
    if (reset) stats_.reset();
    // The body and its place live as long as the response, which owns the
    // provider (a plain string body would outlive the place).
    auto body = std::make_shared<const std::string>(stats_.to_json("blocking"));
    res.set_content_provider(
        body->size(), "application/json",
        [body, place](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          return sink.write(body->data() + offset, std::min(length, body->size() - offset));
        });
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
