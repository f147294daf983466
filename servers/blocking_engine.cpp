// mockd's blocking engine: cpp-httplib with a fixed pool of --threads
// workers that *sleep* in the handler. It is the server-side form of the
// blocking-sleep claim: T sleeping threads serve at most T/delay requests per
// second, however many clients wait.
//
// cpp-httplib gives a handler no access to its socket, so `fault` is refused
// here with a 400 that says so; its compiled-in header cap (8 KiB) and
// per-read timeout stand in for --max-header-bytes and --header-timeout-ms.
#include <httplib.h>

#include <openssl/pem.h>

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

std::unique_ptr<httplib::Server> make_server(const ServerConfig& config) {
  if (!config.tls) return std::make_unique<httplib::Server>();
  auto read = [](const std::string& pem, auto reader) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    auto* obj = reader(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return obj;
  };
  X509* cert = read(config.tls->cert_pem, PEM_read_bio_X509);
  EVP_PKEY* key = read(config.tls->key_pem, PEM_read_bio_PrivateKey);
  if (!cert || !key) throw std::runtime_error("TLS: cannot read the certificate or key");
  auto server = std::make_unique<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!server->is_valid()) throw std::runtime_error("TLS: cpp-httplib rejected the certificate");
  restrict_tls_version(server->ssl_context(), config.tls_version);
  return server;
}

class BlockingEngine final : public Engine {
 public:
  BlockingEngine(const ServerConfig& config, Stats& stats)
      : config_(config), stats_(stats), server_(make_server(config)) {
    const auto threads = static_cast<std::size_t>(std::max(1, config.threads));
    server_->new_task_queue = [threads, &stats] { return new CountingPool(threads, stats); };
    // Debian's build closes a connection after 5 requests; a pooled client
    // must be able to reuse one connection for a whole run.
    server_->set_keep_alive_max_count(std::numeric_limits<std::size_t>::max());
    server_->set_keep_alive_timeout(std::max<time_t>(1, config.idle_timeout.count() / 1000));
    server_->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(config.header_timeout));
    server_->set_payload_max_length(1 << 20);
    server_->set_tcp_nodelay(true);

    auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    for (const char* pattern : {".*"}) {
      server_->Get(pattern, handler);
      server_->Post(pattern, handler);
      server_->Put(pattern, handler);
      server_->Delete(pattern, handler);
    }

    port_ = config.port == 0 ? server_->bind_to_any_port(config.host)
                             : (server_->bind_to_port(config.host, config.port) ? config.port : -1);
    if (port_ <= 0)
      throw std::runtime_error("cannot bind " + config.host + ":" + std::to_string(config.port));
  }

  std::uint16_t port() const override { return static_cast<std::uint16_t>(port_); }

  void run() override { server_->listen_after_bind(); }

  // cpp-httplib's stop() closes the listening socket; its pool then finishes
  // the connections it has (each bounded by the read and keep-alive timeouts).
  void stop() override { server_->stop(); }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    if (is_stats_path(req.path)) return answer_stats(req, res);
    if (!connection_counted) {
      connection_counted = true;
      stats_.connection_counted(config_.tls.has_value(), false);
    }
    const auto query = split_target(req.target).query;
    auto parsed = parse_request_params(query, config_.limits);
    if (!parsed.error && parsed.params.fault != Fault::none)
      parsed.error = ParamError{"fault", "not supported by the blocking engine (cpp-httplib gives "
                                         "handlers no access to the socket); use --engine asio"};
    if (parsed.error) {
      stats_.request_served(400);
      res.status = 400;
      res.set_content(param_error_json(*parsed.error), "application/json");
      return;
    }
    const ResponsePlan plan = plan_response(parsed.params, config_.limits);
    // The point of this engine: the worker thread sleeps, serving nobody.
    std::this_thread::sleep_for(plan.delay);
    stats_.request_served(plan.status);
    res.status = plan.status;
    std::string timing;
    append_server_timing(timing, plan.delay);
    res.set_header("Server-Timing", timing);
    res.set_header("Server", "mockd");
    if (plan.close) res.set_header("Connection", "close");
    const std::size_t body = plan.body_bytes;
    if (plan.drip.count() == 0 || body == 0) {
      res.set_content_provider(body, "text/plain",
                               [](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 const auto slice = body_slice(offset, length);
                                 return sink.write(slice.data(), slice.size());
                               });
      return;
    }
    // Dripped: pieces of the body spread over the drip time, sleeping between them.
    const std::size_t pieces = std::clamp<std::size_t>(
        static_cast<std::size_t>((plan.drip.count() + 9'999) / 10'000), 1, body);
    const auto pause = plan.drip / static_cast<long>(pieces);
    res.set_content_provider(body, "text/plain",
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

  void answer_stats(const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/stats" && req.method == "GET") {
      res.set_content(stats_.to_json("blocking"), "application/json");
    } else if (req.path == "/stats/reset" && req.method == "POST") {
      stats_.reset();
      res.set_content(stats_.to_json("blocking"), "application/json");
    } else {
      res.status = 405;
      res.set_content("{\"error\":\"use GET /stats or POST /stats/reset\"}\n", "application/json");
    }
  }

  ServerConfig config_;
  Stats& stats_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
};

}  // namespace

std::unique_ptr<Engine> make_blocking_engine(const ServerConfig& config, Stats& stats) {
  return std::make_unique<BlockingEngine>(config, stats);
}

}  // namespace mockd
