// mockd's async engine: Boost.Asio C++20 coroutines, one io_context per
// thread, Beast's HTTP/1.1 parser. Delays wait on timers, so one thread
// serves any number of delayed requests at once; responses are written from a
// shared read-only body block, so the hot path allocates nothing once a
// connection has warmed up.
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <random>
#include <span>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "engine.hpp"
#include "http_text.hpp"
#include "response_plan.hpp"

namespace mockd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using beast::error_code;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kRequestBodyLimit = 1 << 20;
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);
constexpr std::size_t kGarbageBytes = 256;
constexpr auto kLingerTimeout = std::chrono::seconds(1);
// A /stats body whose client does not read it is dropped after this long.
constexpr auto kStatsWriteTimeout = std::chrono::seconds(5);

// Keeps only what mockd needs from a request (method, target, keep-alive,
// whether the client waits for 100 Continue) and discards any body, so
// parsing allocates nothing beyond the reused target.
class RequestParser : public http::basic_parser<true> {
 public:
  explicit RequestParser(std::string& target) : target_(target) {}
  http::verb method() const { return method_; }
  int version() const { return version_; }
  // "Expect: 100-continue" on an HTTP/1.1 request: the client may wait for
  // an interim 100 before it sends the body.
  bool expects_continue() const { return expect_continue_ && version_ >= 11; }

 private:
  void on_request_impl(http::verb method, beast::string_view, beast::string_view target,
                       int version, error_code&) override {
    method_ = method;
    version_ = version;
    target_.assign(target.data(), target.size());
  }
  void on_response_impl(int, beast::string_view, int, error_code&) override {}
  void on_field_impl(http::field name, beast::string_view, beast::string_view value,
                     error_code& ec) override {
    if (name == http::field::expect && beast::iequals(value, "100-continue"))
      expect_continue_ = true;
    if (name == http::field::transfer_encoding) has_transfer_encoding_ = true;
    // Beast takes "5, 5" as 5 (RFC 9110 allows it); the blocking engine
    // cannot, so both accept digits only.
    if (name == http::field::content_length &&
        (value.empty() || value.find_first_not_of("0123456789") != beast::string_view::npos))
      ec = http::error::bad_content_length;
  }
  void on_header_impl(error_code& ec) override {
    // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in
    // chunked has no reliable length; Beast would read no body and take the
    // body's bytes for the next request (e.g. "chunked, identity").
    if (has_transfer_encoding_ && !chunked()) ec = http::error::bad_transfer_encoding;
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, error_code&) override { return body.size(); }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override {
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  std::string& target_;
  http::verb method_ = http::verb::unknown;
  int version_ = 11;
  bool expect_continue_ = false;
  bool has_transfer_encoding_ = false;
};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view reason(int status) {
  auto r = http::obsolete_reason(static_cast<http::status>(status));
  return r.empty() ? std::string_view("Unknown") : std::string_view(r.data(), r.size());
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

// Per-thread state: the io_context and the connections it serves, so a
// shutdown can wake the ones idling between requests.
struct Worker;

// One connection's reusable state: nothing here is reallocated per request.
struct Connection {
  Worker& worker;
  tcp::socket& socket;  // lowest layer, for cancel/linger/shutdown
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  std::string target;
  std::string header;  // response header text
  std::vector<asio::const_buffer> gather;
  bool idle = true;  // waiting for a request: safe to cancel at shutdown
  bool counted = false;
  bool http10 = false;         // HTTP/1.0 keep-alive must be announced explicitly
  bool peer_finished = false;  // the client sent its FIN: answer, then close

  Connection(Worker& w, tcp::socket& s, std::size_t max_header_bytes);
};

struct Worker {
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ctx.get_executor()};
  std::unordered_set<Connection*> connections;
  std::thread thread;
};

Connection::Connection(Worker& w, tcp::socket& s, std::size_t max_header_bytes)
    : worker(w), socket(s), timer(w.ctx), buffer(max_header_bytes + kRequestBodyLimit) {
  target.reserve(256);
  header.reserve(512);
  worker.connections.insert(this);
}

class AsioEngine final : public Engine {
 public:
  AsioEngine(const ServerConfig& config, Stats& stats)
      : config_(config),
        stats_(stats),
        workers_(std::max(1, config.threads)),
        acceptor_(workers_.front().ctx),
        shutdown_timer_(workers_.front().ctx) {
    if (config.tls) {
      ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      restrict_tls_version(ssl_->native_handle(), config.tls_version);
      use_tls_identity(ssl_->native_handle(), *config.tls);
    }
    error_code ec;
    const auto address = asio::ip::make_address(config.host, ec);
    if (ec) throw std::runtime_error("--host: not an IP address: " + config.host);
    const tcp::endpoint endpoint(address, config.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint, ec);
    if (ec)
      throw std::runtime_error("cannot bind " + config.host + ":" + std::to_string(config.port) +
                               ": " + ec.message());
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  std::uint16_t port() const override { return acceptor_.local_endpoint().port(); }

  void run() override {
    asio::co_spawn(workers_.front().ctx, accept_loop(), asio::detached);
    for (std::size_t i = 1; i < workers_.size(); ++i)
      workers_[i].thread = std::thread([&w = workers_[i]] { w.ctx.run(); });
    workers_.front().ctx.run();
    for (auto& w : workers_)
      if (w.thread.joinable()) w.thread.join();
  }

  void stop() override {
    asio::post(workers_.front().ctx, [this] { begin_shutdown(); });
  }

 private:
  asio::awaitable<void> accept_loop() {
    asio::steady_timer backoff(workers_.front().ctx);
    std::size_t next = 0;
    for (;;) {
      Worker& worker = workers_[next++ % workers_.size()];
      auto [ec, socket] = co_await acceptor_.async_accept(worker.ctx, nothrow);
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE ||
          ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
        // Out of file descriptors: the listening socket stays readable, so
        // pause instead of spinning; existing connections keep being served.
        stats_.accept_fd_exhausted();
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(nothrow);
        continue;
      }
      if (ec) continue;  // e.g. the client reset before we accepted
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(worker.ctx, serve(worker, std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(Worker& worker, tcp::socket socket) {
    live_connections_.fetch_add(1);
    if (!ssl_) {
      beast::tcp_stream stream(std::move(socket));
      Connection conn(worker, stream.socket(), config_.limits.max_header_bytes);
      co_await serve_requests(stream, conn, false);
      finish(conn);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ssl_);
    Connection conn(worker, beast::get_lowest_layer(stream).socket(),
                    config_.limits.max_header_bytes);
    beast::get_lowest_layer(stream).expires_after(config_.header_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
    if (ec) {
      stats_.tls_handshake_failed();
    } else {
      co_await serve_requests(stream, conn, SSL_session_reused(stream.native_handle()) == 1);
      co_await send_close_notify(stream);
    }
    finish(conn);
  }

  // Ends a TLS connection with a close_notify, as real servers do, without
  // waiting for the client's. OpenSSL removes the session of a connection
  // freed without one from the server's session-ID cache, and TLS 1.2
  // clients that resume by session ID (libcurl turns TLS 1.2 tickets off)
  // would then never resume. Nothing to do once the socket is closed (a
  // fault, a timeout) or the alert has been sent (graceful_close).
  static asio::awaitable<void> send_close_notify(beast::ssl_stream<beast::tcp_stream>& stream) {
    SSL* ssl = stream.native_handle();
    auto& lowest = beast::get_lowest_layer(stream);
    if (!lowest.socket().is_open() || (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)) co_return;
    // Marked as received, SSL_shutdown completes once its alert is written.
    SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    lowest.expires_after(kLingerTimeout);
    co_await stream.async_shutdown(nothrow);
  }

  void finish(Connection& conn) {
    conn.worker.connections.erase(&conn);
    if (conn.counted) stats_.connection_closed();
    if (live_connections_.fetch_sub(1) == 1 && stopping_)
      asio::post(workers_.front().ctx, [this] { shutdown_timer_.cancel(); });
  }

  // Serves requests on one connection until it closes, errs, or is told to.
  template <class Stream>
  asio::awaitable<void> serve_requests(Stream& stream, Connection& conn, bool tls_resumed) {
    auto& lowest = beast::get_lowest_layer(stream);
    for (;;) {
      // Idle phase: wait for the first byte of the next request.
      conn.idle = true;
      if (stopping_) co_return;
      if (conn.buffer.size() == 0) {
        lowest.expires_after(config_.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(conn.buffer.prepare(4096), nothrow);
        if (ec == beast::error::timeout) stats_.idle_timeout();
        if (ec) co_return;  // closed, reset, timed out or cancelled by shutdown
        conn.buffer.commit(n);
      }
      conn.idle = false;

      // Header phase: the whole header must arrive within the header timeout
      // (slowloris guard), and be no larger than the cap.
      RequestParser parser(conn.target);
      parser.header_limit(static_cast<std::uint32_t>(config_.limits.max_header_bytes));
      parser.body_limit(kRequestBodyLimit);
      lowest.expires_after(config_.header_timeout);
      auto [ec, n] = co_await http::async_read_header(stream, conn.buffer, parser, nothrow);
      // Beast applies its header limit only to a header still incomplete in
      // the buffer; one that arrived whole is measured here (n: the bytes
      // the parser consumed, the whole header).
      if (!ec && n > config_.limits.max_header_bytes) ec = http::error::header_limit;
      if (!ec && !parser.is_done()) {
        // A body follows. A client that sent "Expect: 100-continue" may wait
        // for the interim answer before sending it (curl waits 1 s).
        if (parser.expects_continue()) {
          auto [wec, wn] = co_await asio::async_write(
              stream, asio::buffer(kContinue.data(), kContinue.size()), nothrow);
          if (wec) co_return;
        }
        std::tie(ec, n) = co_await http::async_read(stream, conn.buffer, parser, nothrow);
      }
      if (ec == beast::error::timeout) {
        stats_.header_timeout();
        co_return;
      }
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        co_await send_error(
            stream, conn, 431,
            "{\"error\":\"request header larger than the cap (--max-header-bytes)\"}\n");
        co_return;
      }
      if (ec == http::error::body_limit) {
        co_await send_error(stream, conn, 413, "{\"error\":\"request body larger than 1 MiB\"}\n");
        co_return;
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
        co_return;  // the client went away between or during requests
      if (ec) {
        stats_.malformed_request();
        co_await send_error(stream, conn, 400, "{\"error\":\"malformed HTTP request\"}\n");
        co_return;
      }
      lowest.expires_never();

      const bool keep_alive = parser.keep_alive();
      conn.http10 = parser.version() == 10;
      if (!co_await answer(stream, conn, parser.method(), keep_alive, tls_resumed)) co_return;
    }
  }

  // Answers one parsed request; returns whether the connection stays open.
  template <class Stream>
  asio::awaitable<bool> answer(Stream& stream, Connection& conn, http::verb method, bool keep_alive,
                               bool tls_resumed) {
    const auto [path, query] = split_target(conn.target);
    if (is_stats_path(path))
      co_return co_await answer_stats(stream, conn, path, method, keep_alive);

    if (!conn.counted) {
      if (!stats_.connection_counted(ssl_ != nullptr, tls_resumed, config_.max_connections)) {
        co_await send_simple(stream, conn, 503, std::string(kOverConnectionCap), false);
        co_return false;
      }
      conn.counted = true;
    }
    const auto arrived = std::chrono::steady_clock::now();
    RequestInFlight request(stats_);
    const auto parsed = parse_request_params(query, config_.limits, config_.defaults);
    if (parsed.error) {
      stats_.request_served(400);
      request.leave();
      const bool open =
          co_await send_simple(stream, conn, 400, param_error_json(*parsed.error), keep_alive);
      stats_.request_completed();
      co_return open;
    }
    const ResponsePlan plan = plan_response(parsed.params, config_.limits);
    if (plan.delay.count() > 0 && !co_await wait_out_delay(conn, plan.delay)) {
      stats_.request_cancelled(std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - arrived));
      co_return false;
    }
    if (plan.fault != Fault::none) {
      stats_.fault_sent(plan.fault);
      request.leave();
      co_await send_fault(stream, conn, plan.fault);
      co_return false;
    }
    stats_.request_served(plan.status);
    const bool close = plan.close || !keep_alive || stopping_ || conn.peer_finished;
    // --time-handlers: what a timing middleware sees, the span from the
    // parsed request to the response it is about to send.
    std::chrono::microseconds handler_time{-1};
    if (config_.time_handlers)
      handler_time = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - arrived);
    build_header(conn, plan.status, plan.body_bytes, close, &plan.delay, "text/plain",
                 handler_time);
    const bool head = method == http::verb::head;
    const std::size_t body = head ? 0 : plan.body_bytes;
    request.leave();
    error_code ec;
    if (plan.drip.count() > 0 && body > 0)
      ec = co_await write_dripped(stream, conn, body, plan.drip);
    else
      ec = co_await write_with_body(stream, conn, body);
    if (ec) co_return false;
    stats_.request_completed();
    if (close) co_await graceful_close(stream, conn);
    co_return !close;
  }

  // Waits out a request's delay while watching its connection, so that a
  // client that gives up (a timeout, a cancelled task) is seen from the
  // server: false when the client reset the connection first, or closed it
  // with --half-close cancel. What can be seen is a FIN or RST on the
  // socket; bytes that arrive instead (a pipelined request, a TLS alert) end
  // the watch, and the rest of the delay is waited out as before. With
  // --half-close answer a FIN also ends the watch: the request is answered
  // after its delay and the connection closed (no request can follow a FIN).
  asio::awaitable<bool> wait_out_delay(Connection& conn, std::chrono::microseconds delay) {
    using namespace asio::experimental::awaitable_operators;
    conn.timer.expires_after(delay);
    const auto passed = co_await (conn.timer.async_wait(nothrow) ||
                                  conn.socket.async_wait(tcp::socket::wait_read, nothrow));
    if (passed.index() == 0) co_return true;
    char byte;
    const ssize_t n = ::recv(conn.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      co_return false;  // reset: the client is gone
    if (n == 0) {       // end of stream: gone, or only done sending
      if (config_.half_close == HalfClose::cancel) co_return false;
      conn.peer_finished = true;
    }
    co_await conn.timer.async_wait(nothrow);
    co_return true;
  }

  // A /stats body is held until its client has read it: at most
  // Stats::kMaxStatsBodies at once (more are answered 503 and closed), each
  // for at most kStatsWriteTimeout, so clients that ask and never read cannot
  // make the server hold a copy each.
  template <class Stream>
  asio::awaitable<bool> answer_stats(Stream& stream, Connection& conn, std::string_view path,
                                     http::verb method, bool keep_alive) {
    const bool read = path == "/stats" && (method == http::verb::get || method == http::verb::head);
    const bool reset = path == "/stats/reset" && method == http::verb::post;
    if (read || reset) {
      const auto place = stats_.take_stats_body_place();
      if (!place)
        co_return co_await send_simple(stream, conn, 503,
                                       "{\"error\":\"too many /stats requests at once\"}\n", false,
                                       "application/json");
      if (reset) stats_.reset();
      beast::get_lowest_layer(stream).expires_after(kStatsWriteTimeout);
      const bool open = co_await send_simple(stream, conn, 200, stats_.to_json("asio"), keep_alive,
                                             "application/json");
      beast::get_lowest_layer(stream).expires_never();
      co_return open;
    }
    co_return co_await send_simple(stream, conn, 405,
                                   "{\"error\":\"use GET /stats or POST /stats/reset\"}\n",
                                   keep_alive, "application/json");
  }

  static void build_header(Connection& conn, int status, std::size_t content_length, bool close,
                           const std::chrono::microseconds* delay, std::string_view content_type,
                           std::chrono::microseconds handler_time = std::chrono::microseconds{-1}) {
    std::string& h = conn.header;
    h.clear();
    h += "HTTP/1.1 ";
    append_number(h, static_cast<std::uint64_t>(status));
    h += ' ';
    h += reason(status);
    h += "\r\nServer: mockd\r\nContent-Type: ";
    h += content_type;
    h += "\r\nContent-Length: ";
    append_number(h, content_length);
    if (delay) {
      h += "\r\nServer-Timing: ";
      append_server_timing(h, *delay);
      if (handler_time.count() >= 0) {
        h += ", ";
        append_server_timing(h, handler_time, "handler");
      }
    }
    if (close)
      h += "\r\nConnection: close";
    else if (conn.http10)
      h += "\r\nConnection: keep-alive";
    h += "\r\n\r\n";
  }

  template <class Stream>
  asio::awaitable<error_code> write_with_body(Stream& stream, Connection& conn, std::size_t body) {
    conn.gather.clear();
    conn.gather.emplace_back(conn.header.data(), conn.header.size());
    for (std::size_t off = 0; off < body; off += kBodyBlockBytes) {
      const auto slice = body_slice(off, body - off);
      conn.gather.emplace_back(slice.data(), slice.size());
    }
    // A span, so the operation does not copy (allocate) the buffer list.
    auto [ec, n] = co_await asio::async_write(
        stream, std::span<const asio::const_buffer>(conn.gather), nothrow);
    co_return ec;
  }

  // Sends the header now and the body in pieces spread evenly over `drip`.
  template <class Stream>
  asio::awaitable<error_code> write_dripped(Stream& stream, Connection& conn, std::size_t body,
                                            std::chrono::microseconds drip) {
    constexpr auto kTick = std::chrono::milliseconds(10);
    const std::size_t pieces = std::clamp<std::size_t>(
        static_cast<std::size_t>((drip + kTick - std::chrono::microseconds(1)) / kTick), 1, body);
    if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(conn.header), nothrow); ec)
      co_return ec;
    std::size_t sent = 0;
    for (std::size_t i = 0; i < pieces; ++i) {
      conn.timer.expires_after(drip / static_cast<long>(pieces));
      co_await conn.timer.async_wait(nothrow);
      const std::size_t end = body * (i + 1) / pieces;
      for (; sent < end;) {
        const auto slice = body_slice(sent, end - sent);
        if (auto [ec, n] = co_await asio::async_write(
                stream, asio::buffer(slice.data(), slice.size()), nothrow);
            ec)
          co_return ec;
        sent += slice.size();
      }
    }
    co_return error_code{};
  }

  template <class Stream>
  asio::awaitable<bool> send_simple(Stream& stream, Connection& conn, int status, std::string body,
                                    bool keep_alive, std::string_view type = "application/json") {
    const bool close = !keep_alive || stopping_;
    build_header(conn, status, body.size(), close, nullptr, type);
    // The buffer list as write_with_body passes it (a span over the connection's own vector):
    // over TLS, a std::array of the two with a body past 16 KiB (a long /stats timeline) sent
    // the header and never the body.
    conn.gather.clear();
    conn.gather.emplace_back(conn.header.data(), conn.header.size());
    conn.gather.emplace_back(body.data(), body.size());
    auto [ec, n] = co_await asio::async_write(
        stream, std::span<const asio::const_buffer>(conn.gather), nothrow);
    if (ec) co_return false;
    if (close) co_await graceful_close(stream, conn);
    co_return !close;
  }

  template <class Stream>
  asio::awaitable<void> send_error(Stream& stream, Connection& conn, int status, std::string body) {
    stats_.request_served(status);
    co_await send_simple(stream, conn, status, std::move(body), false);
  }

  template <class Stream>
  asio::awaitable<void> send_fault(Stream& stream, Connection& conn, Fault fault) {
    error_code ec;
    switch (fault) {
      case Fault::reset:
        // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        conn.socket.set_option(asio::socket_base::linger(true, 0), ec);
        conn.socket.close(ec);
        co_return;
      case Fault::garbage: {
        thread_local std::mt19937 rng{std::random_device{}()};
        std::array<char, kGarbageBytes> junk;
        for (auto& c : junk) c = static_cast<char>(rng());
        junk[0] = '\x01';  // never starts like "HTTP/"
        co_await asio::async_write(stream, asio::buffer(junk), nothrow);
        [[fallthrough]];
      }
      case Fault::empty:
        conn.socket.shutdown(tcp::socket::shutdown_both, ec);
        conn.socket.close(ec);
        co_return;
      case Fault::none:
        co_return;
    }
  }

  // Half-closes, then drains until the client's FIN (bounded), so the response
  // is not lost to an RST that closing with unread request bytes would cause.
  template <class Stream>
  asio::awaitable<void> graceful_close(Stream& stream, Connection& conn) {
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) co_await send_close_notify(stream);
    error_code ec;
    conn.socket.shutdown(tcp::socket::shutdown_send, ec);
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(kLingerTimeout);
    std::array<char, 1024> sink;
    for (;;) {
      auto [rec, n] = co_await lowest.async_read_some(asio::buffer(sink), nothrow);
      if (rec) break;
    }
  }

  void begin_shutdown() {
    if (stopping_.exchange(true)) return;
    error_code ec;
    acceptor_.close(ec);
    for (auto& w : workers_) {
      asio::post(w.ctx, [&w] {
        for (Connection* c : w.connections) {
          error_code ignored;
          if (c->idle) c->socket.cancel(ignored);
        }
        w.guard.reset();
      });
    }
    // In-flight requests get a bounded time to finish; then everything stops.
    // The timer is cancelled early when the last connection ends.
    if (live_connections_.load() == 0) return;
    shutdown_timer_.expires_after(config_.shutdown_timeout);
    shutdown_timer_.async_wait([this](error_code ec) {
      if (ec) return;
      for (auto& w : workers_) w.ctx.stop();
    });
  }

  ServerConfig config_;
  Stats& stats_;
  std::vector<Worker> workers_;
  tcp::acceptor acceptor_;
  asio::steady_timer shutdown_timer_;
  std::unique_ptr<asio::ssl::context> ssl_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> live_connections_{0};
};

}  // namespace

std::unique_ptr<Engine> make_asio_engine(const ServerConfig& config, Stats& stats) {
  return std::make_unique<AsioEngine>(config, stats);
}

}  // namespace mockd
