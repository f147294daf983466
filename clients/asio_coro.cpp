// asio_coro: the aiohttp of C++. One thread, one io_context, every request a
// C++20 coroutine (Boost.Asio + Beast), and a connection pool of our own with
// aiohttp's TCPConnector semantics: `limit` and `limit_per_host` count
// connections in use, a request over them waits (FIFO per host) for a slot
// within its timeout, idle connections are reused (newest first) until the
// keep-alive timeout, and pooling off means a new connection per request.
// Concurrency C runs C worker coroutines; 0 spawns every request at once and
// lets the pool bound them (aiohttp's `gather` pattern).
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "client_model.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using beast::error_code;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// A response body that is counted and dropped, so a large body costs no
// memory; a response whose status is not the expected one keeps its first
// bytes, for the reason a server gives (note_status_reason).
struct CountingBody {
  struct value_type {
    std::uint64_t bytes = 0;
    int expected_status = 0;  // set before the read: a response with another keeps its head
    std::string head;
  };
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>& h, value_type& v) : v_(v) {
      if constexpr (!isRequest) keep_ = static_cast<int>(h.result_int()) != v.expected_status;
    }
    void init(const boost::optional<std::uint64_t>&, error_code& ec) {
      v_.bytes = 0;
      v_.head.clear();
      ec = {};
    }
    template <class Buffers>
    std::size_t put(const Buffers& buffers, error_code& ec) {
      ec = {};
      const std::size_t size = asio::buffer_size(buffers);
      v_.bytes += size;
      if (keep_)
        for (const auto b : beast::buffers_range_ref(buffers))
          keep_body_head(v_.head, {static_cast<const char*>(b.data()), b.size()});
      return size;
    }
    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& v_;
    bool keep_ = false;
  };
};

struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;  // bytes read past one response belong to the next
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }
  template <class F>
  auto with_stream(F f) {
    return tls ? f(*tls) : f(*plain);
  }
};
using ConnectionPtr = std::unique_ptr<Connection>;

// aiohttp's connector: slots for connections in use, idle connections per host.
class Pool {
 public:
  explicit Pool(const Plan& plan)
      : limit_(plan.limit), per_host_(plan.limit_per_host), keepalive_(plan.keepalive_timeout) {}

  // Takes a slot for `origin`, waiting in line until `deadline`. False: timed out.
  awaitable<bool> acquire(const std::string& origin, Clock::time_point deadline) {
    Host& host = hosts_[origin];
    if (host.waiting == 0 && has_room(host)) {
      take(host);
      co_return true;
    }
    Waiter waiter{&host, asio::steady_timer(co_await asio::this_coro::executor, deadline)};
    waiters_.push_back(&waiter);
    ++host.waiting;
    co_await waiter.timer.async_wait(nothrow);
    --host.waiting;
    // Granted even if the deadline passed meanwhile: the slot is ours and the
    // stream's own deadline will end the request.
    if (!waiter.granted) {
      waiters_.remove(&waiter);
      grant();  // waiters behind this one for the same host may fit now
    }
    co_return waiter.granted;
  }

  // An idle connection to `origin` younger than the keep-alive timeout, or null.
  ConnectionPtr take_idle(const std::string& origin) {
    auto& idle = hosts_[origin].idle;
    while (!idle.empty()) {
      ConnectionPtr c = std::move(idle.back());
      idle.pop_back();
      if (Clock::now() - c->idle_since < keepalive_) return c;
    }
    return nullptr;
  }

  // Gives the slot back; `keep` (may be null) goes to the idle list.
  void release(const std::string& origin, ConnectionPtr keep) {
    Host& host = hosts_[origin];
    --host.in_use;
    --in_use_;
    if (keep) {
      keep->idle_since = Clock::now();
      keep->lowest().expires_never();
      host.idle.push_back(std::move(keep));
    }
    grant();
  }

 private:
  // Hand freed slots to waiters in arrival order, skipping hosts at their cap.
  void grant() {
    for (auto it = waiters_.begin(); it != waiters_.end() && !(limit_ && in_use_ >= limit_);) {
      Waiter* w = *it;
      if (!has_room(*w->host)) {
        ++it;
        continue;
      }
      take(*w->host);
      w->granted = true;
      w->timer.cancel();
      it = waiters_.erase(it);
    }
  }

  struct Host {
    std::size_t in_use = 0, waiting = 0;
    std::vector<ConnectionPtr> idle;
  };
  struct Waiter {
    Host* host;
    asio::steady_timer timer;
    bool granted = false;
  };
  bool has_room(const Host& h) const {
    return (!limit_ || in_use_ < limit_) && (!per_host_ || h.in_use < per_host_);
  }
  void take(Host& h) {
    ++h.in_use;
    ++in_use_;
  }

  std::size_t limit_, per_host_;
  std::chrono::milliseconds keepalive_;
  std::size_t in_use_ = 0;
  std::map<std::string, Host> hosts_;  // std::map: Host addresses stay put
  std::list<Waiter*> waiters_;
};

struct Run {
  const Plan& plan;
  const std::vector<Target>& targets;
  const Schedule schedule;
  RunResult& result;
  ssl::context* tls;  // null when no target is https
  Pool pool;
  std::vector<std::pair<std::string, std::string>> headers;  // request_headers(plan)
  // One per request started, by index. A deque, because a coroutine holds its
  // sample across suspensions while others append theirs (a timed plan does
  // not know its count); moved into the result at the end.
  std::deque<Sample> samples;
  std::size_t next = 0;
};

ErrorKind error_kind(const error_code& ec, ErrorKind otherwise) {
  if (ec == beast::error::timeout) return ErrorKind::timeout;
  if (ec.category() == boost::system::system_category() && is_fd_exhaustion(ec.value()))
    return ErrorKind::fd_exhausted;
  return otherwise;
}

// Opens a connection (and the TLS session) to `t`. Sets `kind` on failure.
awaitable<ConnectionPtr> connect(Run& run, const Target& t, Clock::time_point deadline,
                                 ErrorKind& kind) {
  auto ex = co_await asio::this_coro::executor;
  auto c = std::make_unique<Connection>();
  if (t.tls)
    c->tls.emplace(ex, *run.tls);
  else
    c->plain.emplace(ex);
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  // Numeric hosts skip the resolver, whose async form runs on a thread of its own.
  if (const auto address = asio::ip::make_address(t.host, ec); !ec) {
    endpoints.emplace_back(address, t.port);
  } else {
    tcp::resolver resolver(ex);
    auto [rec, results] = co_await resolver.async_resolve(t.host, std::to_string(t.port), nothrow);
    if (rec) {
      kind = ErrorKind::connect;
      note_error(run.result, kind, "resolve " + t.host + ": " + rec.message());
      co_return nullptr;
    }
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  // Endpoints in turn, each on a socket opened here: opened implicitly by
  // async_connect, an EMFILE would come back as "operation canceled".
  error_code cec;
  for (const auto& endpoint : endpoints) {
    auto& socket = c->lowest().socket();
    if (socket.is_open()) socket.close(ec);
    if (socket.open(endpoint.protocol(), cec); cec) break;
    c->lowest().expires_at(deadline);
    std::tie(cec) = co_await c->lowest().async_connect(endpoint, nothrow);
    if (!cec || cec == beast::error::timeout) break;
  }
  if (cec) {
    kind = error_kind(cec, ErrorKind::connect);
    note_error(run.result, kind, "connect: " + cec.message());
    co_return nullptr;
  }
  ++run.result.connections_opened;
  // As libcurl and aiohttp do: with Nagle's algorithm on, a request written
  // right after the TLS Finished waits for the server's ACK of it (one RTT).
  c->lowest().socket().set_option(tcp::no_delay(true), ec);
  if (t.tls) {
    // SNI and the certificate check by name (an IP address is checked against IP SANs).
    asio::ip::make_address(t.host, ec);
    if (ec) SSL_set_tlsext_host_name(c->tls->native_handle(), t.host.c_str());
    c->tls->set_verify_callback(ssl::host_name_verification(t.host));
    auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, nothrow);
    if (hec) {
      kind = error_kind(hec, ErrorKind::connect);
      note_error(run.result, kind, "TLS handshake: " + hec.message());
      co_return nullptr;
    }
  }
  co_return c;
}

// One request and response on `c`. Returns whether the connection may be
// reused; on failure sets s.error and `failure` (noted by the caller, which
// may retry).
// `head`: the first bytes of a body with an unexpected status.
template <class Stream>
awaitable<bool> exchange(Run& run, Stream& stream, Connection& c, const Target& t,
                         Clock::time_point deadline, Sample& s, bool& got_some,
                         std::string& failure, std::string& head) {
  // span_body: the plan's body is sent from where it is, never copied.
  http::request<http::span_body<const char>> req;
  req.method_string(run.plan.method);
  req.target(t.path);
  req.version(11);
  req.set(http::field::host, t.authority);
  // Any header may repeat; run_model refused Host and the other framing headers.
  for (const auto& [name, value] : run.headers) req.insert(name, value);
  req.body() = {run.plan.body.data(), run.plan.body.size()};
  req.prepare_payload();
  req.keep_alive(run.plan.pooling);
  c.lowest().expires_at(deadline);
  auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
  if (wec) {
    s.error = error_kind(wec, ErrorKind::write);
    failure = "write: " + wec.message();
    co_return false;
  }
  http::response_parser<CountingBody> parser;
  parser.body_limit(boost::none);
  // (A response to HEAD announces a length but carries no body; the parser
  // then never calls the body's init(), so the count keeps its initial 0.)
  parser.get().body().expected_status = run.plan.expected_status;
  if (run.plan.method == "HEAD") parser.skip(true);
  auto [rec, rn] = co_await http::async_read(stream, c.buffer, parser, nothrow);
  got_some = parser.got_some();
  if (parser.is_header_done()) s.status = parser.get().result_int();
  s.body_bytes = parser.get().body().bytes;
  head = std::move(parser.get().body().head);
  if (rec) {
    s.error = error_kind(rec, ErrorKind::read);
    failure = "read: " + rec.message();
    co_return false;
  }
  co_return parser.get().keep_alive();
}

awaitable<void> fetch(Run& run, std::size_t i) {
  Sample& s = run.samples[i];
  s.target = static_cast<std::uint32_t>(i % run.targets.size());
  const Target& t = run.targets[s.target];
  const auto due = run.schedule.due(i);
  if (run.schedule.open_loop()) {
    asio::steady_timer timer(co_await asio::this_coro::executor, due);
    co_await timer.async_wait(nothrow);
  }
  const auto began = Clock::now();
  s.start = run.schedule.open_loop() ? due : began;
  const auto deadline = began + run.plan.timeout;
  std::string head;
  if (!co_await run.pool.acquire(t.origin, deadline)) {
    s.error = ErrorKind::timeout;
    note_error(run.result, s.error, "waited for a connection slot past the timeout");
  } else {
    ConnectionPtr c = run.plan.pooling ? run.pool.take_idle(t.origin) : nullptr;
    bool keep = false;
    // A reused connection the server has closed while idle fails before any
    // byte of the response: try once more on a new one, as libcurl does.
    for (bool reused = c != nullptr;; reused = false) {
      if (!c) {
        c = co_await connect(run, t, deadline, s.error);
        if (!c) break;
        s.new_connection = true;
      }
      bool got_some = false;
      std::string failure;
      keep = co_await c->with_stream([&](auto& stream) {
        return exchange(run, stream, *c, t, deadline, s, got_some, failure, head);
      });
      if (s.error == ErrorKind::none) break;
      if (!reused || got_some || s.error == ErrorKind::timeout) {
        note_error(run.result, s.error, failure);
        break;
      }
      s.error = ErrorKind::none;
      c.reset();
    }
    run.pool.release(t.origin, keep && run.plan.pooling ? std::move(c) : nullptr);
  }
  s.end = Clock::now();
  finish_sample(s, run.plan, t, began);
  note_status_reason(run.result, s, head);
}

awaitable<void> worker(Run& run) {
  while (run.schedule.more(run.next)) {
    run.samples.emplace_back();  // at index run.next: one thread, indices in order
    co_await fetch(run, run.next++);
  }
}

void configure_tls(ssl::context& tls, const Plan& plan) {
  if (plan.insecure) {
    tls.set_verify_mode(ssl::verify_none);
    return;
  }
  tls.set_verify_mode(ssl::verify_peer);
  if (plan.cacert.empty())
    tls.set_default_verify_paths();
  else
    tls.load_verify_file(plan.cacert);
}

void run(const Plan& plan, RunResult& result) {
  const auto targets = parse_targets(plan);
  asio::io_context io(1);
  // Only https plans pay for a TLS context (its set-up costs about a millisecond).
  std::optional<ssl::context> tls;
  if (std::any_of(targets.begin(), targets.end(), [](const Target& t) { return t.tls; })) {
    tls.emplace(ssl::context::tls_client);
    configure_tls(*tls, plan);
  }
  result.threads = 1;
  Run state{plan,
            targets,
            Schedule(plan, result.started),
            result,
            tls ? &*tls : nullptr,
            Pool(plan),
            request_headers(plan),
            {}};
  const auto rethrow = [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  };
  if (plan.concurrency == 0) {
    // Never a timed plan (run_model refuses one with concurrency 0).
    state.samples.resize(plan.requests);
    for (std::size_t i = 0; i < plan.requests; ++i) asio::co_spawn(io, fetch(state, i), rethrow);
  } else {
    for (std::size_t w = 0; w < std::min(plan.concurrency, plan.requests); ++w)
      asio::co_spawn(io, worker(state), rethrow);
  }
  io.run();
  result.samples.assign(std::make_move_iterator(state.samples.begin()),
                        std::make_move_iterator(state.samples.end()));
}

const ModelRegistrar registrar("asio_coro", run);

}  // namespace
}  // namespace clients
