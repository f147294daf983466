// blocking_httplib: one thread makes the requests one after another with
// cpp-httplib, one Client per host. A Client holds at most one socket: pooled
// (set_keep_alive) it stays open between requests; unpooled, httplib's
// default, every request sends `Connection: close` and opens a new socket.
#include <httplib.h>

#include <cerrno>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "client_model.hpp"
#include "model_support.hpp"

namespace clients {
namespace {

ErrorKind classify(httplib::Error error, int err, bool over_time) {
  switch (error) {
    case httplib::Error::Success:
      return ErrorKind::none;
    case httplib::Error::ConnectionTimeout:
      return ErrorKind::timeout;
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
      return is_fd_exhaustion(err) ? ErrorKind::fd_exhausted : ErrorKind::connect;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return ErrorKind::connect;
    // httplib's timeouts are per read/write and report as plain read/write errors.
    case httplib::Error::Read:
      return over_time ? ErrorKind::timeout : ErrorKind::read;
    case httplib::Error::Write:
      return over_time ? ErrorKind::timeout : ErrorKind::write;
    default:
      return ErrorKind::other;
  }
}

struct HostClient {
  std::unique_ptr<httplib::Client> client;
  bool opened = false;  // set by the socket-options hook: this request made a socket
};

std::unique_ptr<HostClient> make_client(const Plan& plan, const Target& target) {
  auto host = std::make_unique<HostClient>();
  host->client = std::make_unique<httplib::Client>(target.origin);
  httplib::Client& c = *host->client;
  c.set_keep_alive(plan.pooling);
  // As libcurl and asio_coro do: httplib writes a body after the header, and
  // with Nagle's algorithm on that second write would wait for the server's
  // delayed ACK (40 ms). A bodiless request is one write either way.
  c.set_tcp_nodelay(true);
  c.set_connection_timeout(plan.timeout);
  c.set_read_timeout(plan.timeout);
  c.set_write_timeout(plan.timeout);
  if (target.tls) {
    if (!plan.cacert.empty()) c.set_ca_cert_path(plan.cacert);
    c.enable_server_certificate_verification(!plan.insecure);
  }
  // httplib calls this for every socket it creates: the one way to see a new connection.
  c.set_socket_options([h = host.get()](socket_t) { h->opened = true; });
  return host;
}

void run(const Plan& plan, RunResult& result) {
  const auto targets = parse_targets(plan);
  const Schedule schedule(plan, result.started);
  std::map<std::string, std::unique_ptr<HostClient>> clients;  // by origin
  for (const auto& t : targets)
    if (!clients.contains(t.origin)) clients[t.origin] = make_client(plan, t);
  result.threads = 1;
  httplib::Headers headers;
  for (const auto& [name, value] : request_headers(plan)) headers.emplace(name, value);
  std::string head;  // reused: its capacity stays from one refusal to the next
  for (std::size_t i = 0; schedule.more(i); ++i) {
    Sample& s = result.samples.emplace_back();
    s.target = static_cast<std::uint32_t>(i % targets.size());
    const Target& target = targets[s.target];
    HostClient& host = *clients[target.origin];
    const auto due = schedule.due(i);
    std::this_thread::sleep_until(due);
    const auto began = Clock::now();
    s.start = schedule.open_loop() ? due : began;
    host.opened = false;
    errno = 0;
    httplib::Request req;
    req.method = plan.method;
    req.path = target.path;
    req.headers = headers;
    req.body = plan.body;
    // Only a refusal's body is kept (its first bytes), for the reason it gives.
    bool keep_head = false;
    head.clear();
    req.response_handler = [&](const httplib::Response& r) {
      keep_head = r.status != plan.expected_status;
      return true;
    };
    req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
      s.body_bytes += n;
      if (keep_head) keep_body_head(head, {data, n});
      return true;
    };
    auto res = host.client->send(req);
    const int err = errno;
    s.end = Clock::now();
    s.new_connection = host.opened;
    result.connections_opened += host.opened ? 1 : 0;
    if (res) {
      s.status = res->status;
    } else {
      s.error = classify(res.error(), err, s.end - began >= plan.timeout);
      note_error(result, s.error, httplib::to_string(res.error()));
    }
    finish_sample(s, plan, target, began);
    note_status_reason(result, s, head);
  }
}

const ModelRegistrar registrar("blocking_httplib", run);

}  // namespace
}  // namespace clients
