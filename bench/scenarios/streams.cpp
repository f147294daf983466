// Scenario `streams` (claim C12): datagrams and a line-based chat server.
//
// Names:
//   streams/udp/<asio|py_asyncio>/window:W/bytes:64
//   streams/chat/<drain_in_loop|no_drain|bounded_queue>/clients:8/pause_ms:P/msg_bytes:16384/rate:500
//   streams/churn/<iterate_set|iterate_copy>/clients:8/pause_ms:P/churn_ms:10
//
// UDP echo: a server echoes every datagram to its sender; the client keeps W
// datagrams in flight for a fixed time (a reply, or no reply within 100 ms,
// frees a slot), then waits 150 ms for stragglers. Sequence numbers tell
// replies apart; received + lost == sent exactly, and the server's own counts
// say on which leg the loss happened. asio: server on its own thread (pinned
// to CPU 1 when bench is pinned to CPU 0, as a server on another machine),
// client on bench's thread; py_asyncio: the same two roles in two
// /usr/bin/python3 processes with DatagramProtocol (streams_udp.py).
//
// Chat: the material's asyncio streams server (streams_chat.py, on CPU 1 when
// pinned) and 8 C++ clients on one io_context: a sender posting `rate` lines
// a second for the run (open loop: each line stamped with the time it was
// due, so a stalled sender cannot hide the wait), 6 fast readers, and one
// slow reader (a small receive buffer) that reads nothing for `pause_ms`,
// then everything. Designs: drain_in_loop (write + await drain per client in
// the broadcast loop), no_drain (write only), bounded_queue (a queue of 16
// lines and a writer task per client; full queue: disconnected).
// Signatures: drain_in_loop: fast clients' worst latency >= the server's
// longest drain wait, which lasts until the slow reader reads again;
// no_drain: the server's backlog grows with what the slow reader is not
// taking; bounded_queue: every fast client gets every line, and the server's
// backlog per client never exceeds queue_max * line + the transport's high
// water mark + one line (checked by the server at every write).
// Churn: drain_in_loop with clients joining while the slow reader holds a
// broadcast and leaving once it flows again: iterating the live set raises
// "Set changed size during iteration" (counted), iterating a copy never does.
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "child_process.hpp"
#include "latency_stats.hpp"
#include "model_benchmark.hpp"
#include "scenario.hpp"
#include "source_tree.hpp"

namespace bench::streams_scenario {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

constexpr const char* kPython = "/usr/bin/python3";
const std::string kPythonDir = (suite::source_dir() / "bench" / "scenarios" / "python").string();

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The CPU a server of this scenario gets: 1 when bench runs pinned to CPU 0
// (its default on 2+ CPUs), none (-1: unpinned) otherwise.
int server_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
  if (CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set) && sysconf(_SC_NPROCESSORS_ONLN) >= 2) return 1;
  return -1;
}

std::optional<std::string> python_missing(const std::string& script) {
  if (access(kPython, X_OK) != 0) return std::string(kPython) + " not found";
  if (access(script.c_str(), R_OK) != 0) return script + " not found";
  return std::nullopt;
}

// A Python child speaking JSON lines: started with its config as argv[1].
class PythonChild {
 public:
  PythonChild(const std::string& script, const nlohmann::json& config)
      : child_({kPython, script, config.dump()}) {}

  nlohmann::json read(std::chrono::seconds within, const char* what) {
    const auto line = child_.read_line(harness::ChildProcess::Clock::now() + within);
    if (!line) {
      const std::string tail = child_.stderr_tail();
      child_.kill();
      throw std::runtime_error(std::string("python ") + what + ": no answer" +
                               (tail.empty() ? "" : ": " + tail));
    }
    auto j = nlohmann::json::parse(*line);
    if (j.contains("error")) throw std::runtime_error("python: " + j["error"].get<std::string>());
    return j;
  }
  void stop() { child_.write_stdin("stop\n"); }
  void finish() {
    child_.close_stdin();
    if (!child_.wait_until(harness::ChildProcess::Clock::now() + std::chrono::seconds(5)))
      child_.kill();
  }

 private:
  harness::ChildProcess child_;
};

// ---- UDP echo ------------------------------------------------------------------

constexpr int kUdpBytes = 64;
constexpr int kUdpTimeoutMs = 100;
constexpr int kUdpGraceMs = 150;

struct UdpRun {
  double sent = 0, received = 0, corrupt = 0, timed_out = 0, send_errors = 0;
  double server_received = 0, server_sent = 0;
  double sending_s = 0, cpu_s = 0;
  double received_while_sending = 0;  // the rate's numerator: the grace period's replies left out
  std::vector<double> rtt_us;
};

// The Asio echo server: one coroutine on its own thread, counting what it
// received and sent back.
class AsioEchoServer {
 public:
  AsioEchoServer() : socket_(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io_, serve(), asio::detached);
    const int cpu = server_cpu();
    thread_ = std::thread([this, cpu] {
      if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
      }
      io_.run();
    });
  }
  ~AsioEchoServer() { stop(); }
  void stop() {
    if (thread_.joinable()) {
      asio::post(io_, [this] { socket_.close(); });
      thread_.join();
    }
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  double received() const { return received_; }
  double sent() const { return sent_; }

 private:
  awaitable<void> serve() {
    std::array<char, 2048> buf;
    udp::endpoint from;
    for (;;) {
      auto [ec, n] = co_await socket_.async_receive_from(asio::buffer(buf), from, nothrow);
      if (ec == asio::error::operation_aborted) co_return;  // stop() closed the socket
      if (ec) continue;
      ++received_;
      boost::system::error_code send_ec;
      socket_.send_to(asio::buffer(buf.data(), n), from, 0, send_ec);
      if (!send_ec) ++sent_;
    }
  }

  asio::io_context io_{1};
  udp::socket socket_;
  std::thread thread_;
  // Read only after the thread is joined.
  double received_ = 0, sent_ = 0;
};

// The Asio client: W datagrams in flight for `duration`, then a grace period.
class AsioEchoClient {
 public:
  AsioEchoClient(std::uint16_t port, int window, std::chrono::milliseconds duration)
      : socket_(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        window_(window),
        duration_(duration),
        payload_(kUdpBytes, 'x') {
    socket_.connect(udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  UdpRun run() {
    const double cpu0 = process_cpu_s();
    start_ = Clock::now();
    asio::co_spawn(io_, receive(), asio::detached);
    asio::co_spawn(io_, clock(), asio::detached);
    fill();
    io_.run();
    r_.cpu_s = process_cpu_s() - cpu0;
    return r_;
  }

 private:
  void send_one() {
    const std::uint64_t seq = next_seq_++;
    std::memcpy(payload_.data(), &seq, sizeof seq);
    boost::system::error_code ec;
    socket_.send(asio::buffer(payload_), 0, ec);
    if (ec) {
      ++r_.send_errors;
      return;
    }
    ++r_.sent;
    replied_.push_back(false);
    outstanding_[seq] = Clock::now();
  }
  void fill() {
    while (sending_ && static_cast<int>(outstanding_.size()) < window_) send_one();
  }

  awaitable<void> receive() {
    std::array<char, 2048> buf;
    for (;;) {
      auto [ec, n] = co_await socket_.async_receive(asio::buffer(buf), nothrow);
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue;  // ECONNREFUSED from an ICMP error: nothing to count it against
      std::uint64_t seq = 0;
      if (n != static_cast<std::size_t>(kUdpBytes)) {
        ++r_.corrupt;
        continue;
      }
      std::memcpy(&seq, buf.data(), sizeof seq);
      if (seq >= next_seq_ || replied_[seq]) {
        ++r_.corrupt;
        continue;
      }
      replied_[seq] = true;
      ++r_.received;
      if (auto it = outstanding_.find(seq); it != outstanding_.end()) {
        if (r_.rtt_us.size() < 200000)
          r_.rtt_us.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - it->second).count());
        outstanding_.erase(it);
      }
      fill();
    }
  }

  // Frees slots whose datagram got no reply in time; ends the sending period,
  // then the grace period.
  awaitable<void> clock() {
    asio::steady_timer timer(io_);
    const auto end = start_ + duration_;
    while (Clock::now() < end) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(nothrow);
      const auto limit = Clock::now() - std::chrono::milliseconds(kUdpTimeoutMs);
      for (auto it = outstanding_.begin(); it != outstanding_.end();)
        if (it->second < limit) {
          ++r_.timed_out;
          it = outstanding_.erase(it);
        } else {
          ++it;
        }
      fill();
    }
    sending_ = false;
    r_.sending_s = ms_between(start_, Clock::now()) / 1000.0;
    r_.received_while_sending = r_.received;
    timer.expires_after(std::chrono::milliseconds(kUdpGraceMs));
    co_await timer.async_wait(nothrow);
    socket_.close();
  }

  asio::io_context io_{1};
  udp::socket socket_;
  int window_;
  std::chrono::milliseconds duration_;
  std::string payload_;
  bool sending_ = true;
  std::uint64_t next_seq_ = 0;
  std::vector<bool> replied_;
  std::unordered_map<std::uint64_t, Clock::time_point> outstanding_;
  Clock::time_point start_;
  UdpRun r_;
};

UdpRun run_asio_udp(int window, std::chrono::milliseconds duration) {
  AsioEchoServer server;
  AsioEchoClient client(server.port(), window, duration);
  UdpRun r = client.run();
  server.stop();
  r.server_received = server.received();
  r.server_sent = server.sent();
  return r;
}

UdpRun run_python_udp(int window, std::chrono::milliseconds duration) {
  const std::string script = kPythonDir + "/streams_udp.py";
  const int cpu = server_cpu();
  nlohmann::json server_config = {{"role", "server"}, {"max_s", 60}};
  if (cpu >= 0) server_config["cpus"] = {cpu};
  PythonChild server(script, server_config);
  const auto ready = server.read(std::chrono::seconds(30), "udp server");
  nlohmann::json client_config = {
      {"role", "client"},       {"port", ready.at("port")},        {"window", window},
      {"bytes", kUdpBytes},     {"duration_ms", duration.count()}, {"timeout_ms", kUdpTimeoutMs},
      {"grace_ms", kUdpGraceMs}};
  if (cpu >= 0) client_config["cpus"] = {0};
  PythonChild client(script, client_config);
  const auto c = client.read(std::chrono::seconds(60), "udp client");
  server.stop();
  const auto s = server.read(std::chrono::seconds(10), "udp server counts");
  client.finish();
  server.finish();
  UdpRun r;
  r.sent = c.at("sent");
  r.received = c.at("received");
  r.corrupt = c.at("corrupt");
  r.timed_out = c.at("timed_out");
  r.send_errors = c.at("send_errors").get<double>() + s.at("send_errors").get<double>();
  r.sending_s = c.at("sending_s");
  r.received_while_sending = c.at("received_while_sending");
  r.cpu_s = c.at("cpu_s");
  r.server_received = s.at("received");
  r.server_sent = s.at("sent");
  if (c.at("rtt_p50_us").is_number()) r.rtt_us = {c["rtt_p50_us"], c["rtt_p99_us"]};
  return r;
}

struct UdpCase {
  std::string impl;  // asio | py_asyncio
  int window;
};

std::string udp_name(const UdpCase& c) {
  return "streams/udp/" + c.impl + "/window:" + std::to_string(c.window) +
         "/bytes:" + std::to_string(kUdpBytes);
}

void run_udp_benchmark(benchmark::State& state, ScenarioContext& context, const UdpCase& c,
                       const std::string& name) {
  const bool python = c.impl == "py_asyncio";
  if (python)
    if (const auto why = python_missing(kPythonDir + "/streams_udp.py")) return skip(state, *why);
  const auto duration =
      std::chrono::milliseconds(context.options().mode == Mode::reference ? 300 : 200);
  UdpRun r;
  for (auto _ : state) {
    try {
      r = python ? run_python_udp(c.window, duration) : run_asio_udp(c.window, duration);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    state.SetIterationTime(r.sending_s);
  }
  auto& k = state.counters;
  k["window"] = c.window;
  k["bytes"] = kUdpBytes;
  k["duration_ms"] = static_cast<double>(duration.count());
  k["timeout_ms"] = kUdpTimeoutMs;
  k["grace_ms"] = kUdpGraceMs;
  k["sent"] = r.sent;
  k["received"] = r.received;
  k["lost"] = r.sent - r.received;
  k["loss_pct"] = r.sent > 0 ? 100.0 * (r.sent - r.received) / r.sent : 0;
  // Which leg lost them: before the server's socket, or on the way back.
  k["lost_to_server"] = r.sent - r.server_received;
  k["lost_from_server"] = r.server_sent - r.received;
  k["server_received"] = r.server_received;
  k["server_sent"] = r.server_sent;
  k["timed_out"] = r.timed_out;
  k["errors_corrupt"] = r.corrupt;
  k["errors_send"] = r.send_errors;
  k["errors"] = r.corrupt + r.send_errors;
  k["round_trips_per_s"] = r.sending_s > 0 ? r.received_while_sending / r.sending_s : 0;
  k["sending_ms"] = r.sending_s * 1000.0;
  k["cpu_s"] = r.cpu_s;
  if (python) {
    if (r.rtt_us.size() == 2) {
      k["rtt_p50_us"] = r.rtt_us[0];
      k["rtt_p99_us"] = r.rtt_us[1];
    }
  } else if (!r.rtt_us.empty()) {
    k["rtt_p50_us"] = clients::percentile(r.rtt_us, 50);
    k["rtt_p99_us"] = clients::percentile(r.rtt_us, 99);
    context.spectra().add(name, r.rtt_us);
  }
}

// ---- chat over streams -----------------------------------------------------------

constexpr int kClients = 8;  // 1 sender, 6 fast readers, 1 slow reader
constexpr int kFastReaders = kClients - 2;
constexpr int kMsgBytes = 16384;
constexpr int kRate = 500;         // lines a second from the sender
constexpr int kQueueMax = 16;      // bounded_queue: lines queued per client
constexpr int kChurnMs = 10;       // churn: how often a client may join or leave
constexpr int kSlowRcvBuf = 4096;  // the slow reader's SO_RCVBUF (the kernel doubles it)
constexpr double kCapBytes = 256.0 * 1024 * 1024;  // no_drain: a client cut off past this

struct ChatCase {
  std::string kind;     // chat | churn
  std::string design;   // drain_in_loop | no_drain | bounded_queue
  std::string iterate;  // set | copy
  int pause_ms;
  int duration_ms;
};

std::string chat_name(const ChatCase& c) {
  if (c.kind == "churn")
    return "streams/churn/iterate_" + c.iterate + "/clients:" + std::to_string(kClients) +
           "/pause_ms:" + std::to_string(c.pause_ms) + "/churn_ms:" + std::to_string(kChurnMs);
  return "streams/chat/" + c.design + "/clients:" + std::to_string(kClients) +
         "/pause_ms:" + std::to_string(c.pause_ms) + "/msg_bytes:" + std::to_string(kMsgBytes) +
         "/rate:" + std::to_string(kRate);
}

// What the C++ clients saw.
struct ChatClients {
  Clock::time_point t0;
  int messages = 0;  // lines the sender was to post
  int sender_sent = 0, sent_during_pause = 0;
  std::vector<double> fast_latency_ms;               // every line every fast reader got
  std::vector<double> trace_t_ms, trace_latency_ms;  // fast reader 0: when sent, how late
  int fast_received = 0, fast_corrupt = 0, fast_disconnected = 0, fast_duplicates = 0;
  int slow_received = 0;
  bool slow_disconnected = false;
  int churn_joins = 0, churn_leaves = 0;
  double slow_rcvbuf = 0;
  double clients_ms = 0;
};

// The lines: "<seq> <due ns>" padded to kMsgBytes with the newline.
std::string make_line(int seq, Clock::time_point due) {
  std::string line(kMsgBytes, 'x');
  const long long ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch()).count();
  const int n = std::snprintf(line.data(), line.size(), "%d %lld ", seq, ns);
  line[static_cast<std::size_t>(n)] = ' ';
  line.back() = '\n';
  return line;
}
const std::string kEndLine = "end\n";

class ChatRun {
 public:
  ChatRun(std::uint16_t port, const ChatCase& c) : port_(port), c_(c) {
    r_.messages = kRate * c.duration_ms / 1000;
  }

  ChatClients run() {
    asio::co_spawn(io_, main(), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io_.run();
    if (!error_.empty()) throw std::runtime_error(error_);
    return r_;
  }

 private:
  tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), port_}; }

  // Connects and reads the server's "hello": the client is then in its set.
  awaitable<bool> join(tcp::socket& s, asio::streambuf& buf) {
    auto [ec] = co_await s.async_connect(endpoint(), nothrow);
    if (ec) co_return false;
    s.set_option(tcp::no_delay(true));
    auto [ec2, n] = co_await asio::async_read_until(s, buf, '\n', nothrow);
    if (ec2) co_return false;
    buf.consume(n);
    co_return true;
  }

  awaitable<void> main() {
    auto& sockets = sockets_;
    auto& bufs = bufs_;
    for (int i = 0; i < kClients; ++i) {
      sockets.push_back(std::make_unique<tcp::socket>(io_));
      bufs.push_back(std::make_unique<asio::streambuf>());
    }
    // The slow reader's small receive buffer, set before connecting so the window is small.
    tcp::socket& slow = *sockets[kClients - 1];
    slow.open(tcp::v4());
    slow.set_option(asio::socket_base::receive_buffer_size(kSlowRcvBuf));
    asio::socket_base::receive_buffer_size got;
    slow.get_option(got);
    r_.slow_rcvbuf = got.value();
    for (int i = 0; i < kClients; ++i)
      if (!co_await join(*sockets[i], *bufs[i])) {
        error_ = "chat client could not join the server";
        co_return;
      }
    r_.t0 = Clock::now();
    last_line_ = r_.t0;
    deadline_.expires_at(r_.t0 + std::chrono::milliseconds(c_.duration_ms + c_.pause_ms + 5000));
    asio::co_spawn(io_, watchdog(), asio::detached);
    pending_ = 1 + kFastReaders + 1;
    asio::co_spawn(io_, sender(*sockets[0]), asio::detached);
    for (int i = 0; i < kFastReaders; ++i)
      asio::co_spawn(io_, fast_reader(*sockets[1 + i], *bufs[1 + i], i), asio::detached);
    asio::co_spawn(io_, slow_reader(slow, *bufs[kClients - 1]), asio::detached);
    if (c_.kind == "churn") asio::co_spawn(io_, churn(), asio::detached);
    co_return;
  }

  void done() {
    if (--pending_ == 0) {
      r_.clients_ms = ms_between(r_.t0, Clock::now());
      stopping_ = true;
      deadline_.cancel();
      for (auto& s : sockets_) s->close();
    }
  }

  // Bounds the run: whatever has not finished by then is closed and counted as missing.
  awaitable<void> watchdog() {
    auto [ec] = co_await deadline_.async_wait(nothrow);
    if (ec) co_return;  // everyone finished
    stopping_ = true;
    r_.clients_ms = ms_between(r_.t0, Clock::now());
    for (auto& s : sockets_) s->close();
  }

  awaitable<void> sender(tcp::socket& s) {
    asio::steady_timer timer(io_);
    const auto pause_end = r_.t0 + std::chrono::milliseconds(c_.pause_ms);
    for (int i = 0; i < r_.messages && !stopping_; ++i) {
      const auto due = r_.t0 + std::chrono::microseconds(1000000LL * i / kRate);
      if (Clock::now() < due) {
        timer.expires_at(due);
        co_await timer.async_wait(nothrow);
      }
      const std::string line = make_line(i, due);
      auto [ec, n] = co_await asio::async_write(s, asio::buffer(line), nothrow);
      if (ec) break;
      ++r_.sender_sent;
      if (Clock::now() < pause_end) ++r_.sent_during_pause;
    }
    churning_ = false;
    // The end marker goes once the churn has stopped, so the set is stable when it is broadcast.
    timer.expires_after(std::chrono::milliseconds(3 * kChurnMs));
    co_await timer.async_wait(nothrow);
    co_await asio::async_write(s, asio::buffer(kEndLine), nothrow);
    done();
  }

  awaitable<void> fast_reader(tcp::socket& s, asio::streambuf& buf, int index) {
    int last = -1;
    for (;;) {
      auto [ec, n] = co_await asio::async_read_until(s, buf, '\n', nothrow);
      if (ec) {
        if (!stopping_) ++r_.fast_disconnected;
        break;
      }
      const auto now = Clock::now();
      std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
      buf.consume(n);
      if (line == kEndLine) break;
      int seq = -1;
      long long due_ns = 0;
      if (line.size() != static_cast<std::size_t>(kMsgBytes) ||
          std::sscanf(line.c_str(), "%d %lld", &seq, &due_ns) != 2 || seq < last) {
        ++r_.fast_corrupt;
        continue;
      }
      if (seq == last) {
        // A set mutated during a broadcast without changing size is walked
        // on, and may visit a client twice: the line arrives again.
        ++r_.fast_duplicates;
        continue;
      }
      last = seq;
      last_line_ = now;
      ++r_.fast_received;
      const double late_ms = ms_between(Clock::time_point(std::chrono::nanoseconds(due_ns)), now);
      r_.fast_latency_ms.push_back(late_ms);
      if (index == 0) {
        r_.trace_t_ms.push_back(
            ms_between(r_.t0, Clock::time_point(std::chrono::nanoseconds(due_ns))));
        r_.trace_latency_ms.push_back(late_ms);
      }
    }
    done();
  }

  awaitable<void> slow_reader(tcp::socket& s, asio::streambuf& buf) {
    asio::steady_timer timer(io_);
    timer.expires_at(r_.t0 + std::chrono::milliseconds(c_.pause_ms));
    co_await timer.async_wait(nothrow);
    for (;;) {
      auto [ec, n] = co_await asio::async_read_until(s, buf, '\n', nothrow);
      if (ec) {
        // bounded_queue disconnects a client that fell too far behind.
        if (!stopping_) r_.slow_disconnected = true;
        break;
      }
      const bool end = n == kEndLine.size() && std::equal(kEndLine.begin(), kEndLine.end(),
                                                          asio::buffers_begin(buf.data()));
      buf.consume(n);
      if (end) break;
      ++r_.slow_received;
    }
    done();
  }

  // Clients that come and go while the sender posts. Every kChurnMs: while
  // the fast readers have got nothing for 2 kChurnMs (a broadcast is held in
  // drain() by the slow reader) a client joins and stays; once lines flow
  // again, those clients leave. Joining while the loop is held is what makes
  // the live set change under it, every time, not by chance.
  awaitable<void> churn() {
    asio::steady_timer timer(io_);
    std::vector<std::shared_ptr<tcp::socket>> held;
    while (churning_ && !stopping_) {
      timer.expires_after(std::chrono::milliseconds(kChurnMs));
      co_await timer.async_wait(nothrow);
      const bool quiet = Clock::now() - last_line_ > std::chrono::milliseconds(2 * kChurnMs);
      if (quiet) {
        auto s = std::make_shared<tcp::socket>(io_);
        asio::streambuf buf;
        if (co_await join(*s, buf)) ++r_.churn_joins;
        held.push_back(s);
      } else {
        r_.churn_leaves += static_cast<int>(held.size());
        for (auto& s : held) s->close();
        held.clear();
      }
    }
    r_.churn_leaves += static_cast<int>(held.size());
    for (auto& s : held) s->close();
  }

  asio::io_context io_{1};
  std::uint16_t port_;
  ChatCase c_;
  ChatClients r_;
  asio::steady_timer deadline_{io_};
  std::vector<std::unique_ptr<tcp::socket>> sockets_;  // sender, fast readers, slow reader
  std::vector<std::unique_ptr<asio::streambuf>> bufs_;
  int pending_ = 0;
  bool stopping_ = false, churning_ = true;
  Clock::time_point last_line_ = Clock::now();  // the last line any fast reader got
  std::string error_;
};

struct ChatResult {
  ChatClients clients;
  nlohmann::json server;
  double server_offset_ms = 0;  // the server's sample clock minus the clients' t0
};

ChatResult run_chat(const ChatCase& c) {
  const std::string script = kPythonDir + "/streams_chat.py";
  nlohmann::json config = {{"design", c.design},     {"iterate", c.iterate},
                           {"queue_max", kQueueMax}, {"cap_bytes", kCapBytes},
                           {"sample_ms", 10},        {"max_s", 60}};
  if (const int cpu = server_cpu(); cpu >= 0) config["cpus"] = {cpu};
  PythonChild server(script, config);
  const auto ready = server.read(std::chrono::seconds(30), "chat server");
  ChatRun run(static_cast<std::uint16_t>(ready.at("port").get<int>()), c);
  ChatResult out;
  out.clients = run.run();
  server.stop();
  out.server = server.read(std::chrono::seconds(20), "chat server counts");
  server.finish();
  // Both clocks are CLOCK_MONOTONIC (steady_clock, time.monotonic).
  out.server_offset_ms =
      out.server.at("sampler_start_monotonic_s").get<double>() * 1000.0 -
      std::chrono::duration<double, std::milli>(out.clients.t0.time_since_epoch()).count();
  return out;
}

void run_chat_benchmark(benchmark::State& state, ScenarioContext& context, const ChatCase& c,
                        const std::string& name) {
  if (const auto why = python_missing(kPythonDir + "/streams_chat.py")) return skip(state, *why);
  ChatResult res;
  for (auto _ : state) {
    try {
      res = run_chat(c);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(res.clients.clients_ms / 1000.0);
  }
  const auto& cl = res.clients;
  const auto& s = res.server;
  auto& k = state.counters;
  k["clients"] = kClients;
  k["fast_clients"] = kFastReaders;
  k["pause_ms"] = c.pause_ms;
  k["duration_ms"] = c.duration_ms;
  k["msg_bytes"] = kMsgBytes;
  k["rate"] = kRate;
  k["messages"] = cl.messages;
  k["sender_sent"] = cl.sender_sent;
  k["sent_during_pause"] = cl.sent_during_pause;
  k["bytes_during_pause"] = static_cast<double>(cl.sent_during_pause) * kMsgBytes;
  k["fast_expected"] = static_cast<double>(cl.messages) * kFastReaders;
  k["fast_received"] = cl.fast_received;
  k["fast_missing"] = static_cast<double>(cl.messages) * kFastReaders - cl.fast_received;
  k["fast_duplicates"] = cl.fast_duplicates;
  k["errors_corrupt"] = cl.fast_corrupt;
  k["errors_fast_disconnected"] = cl.fast_disconnected;
  k["errors"] = cl.fast_corrupt + cl.fast_disconnected;
  if (!cl.fast_latency_ms.empty()) {
    k["fast_p50_ms"] = clients::percentile(cl.fast_latency_ms, 50);
    k["fast_p99_ms"] = clients::percentile(cl.fast_latency_ms, 99);
    k["fast_max_ms"] = *std::max_element(cl.fast_latency_ms.begin(), cl.fast_latency_ms.end());
  }
  k["slow_received"] = cl.slow_received;
  k["slow_disconnected"] = cl.slow_disconnected ? 1 : 0;
  k["slow_rcvbuf_bytes"] = cl.slow_rcvbuf;
  k["churn_joins"] = cl.churn_joins;
  k["churn_leaves"] = cl.churn_leaves;
  k["clients_ms"] = cl.clients_ms;
  for (const char* key : {"joined", "lines_in", "broadcasts", "writes", "set_errors",
                          "write_errors", "dropped", "capped"})
    k[std::string("server_") + key] = s.value(key, 0.0);
  k["set_errors"] = s.value("set_errors", 0.0);
  k["backlog_peak_bytes"] = s.value("backlog_peak_bytes", 0.0);
  k["total_backlog_peak_bytes"] = s.value("total_backlog_peak_bytes", 0.0);
  k["drain_wait_max_ms"] = s.value("drain_wait_max_ms", 0.0);
  k["drain_wait_sum_ms"] = s.value("drain_wait_sum_ms", 0.0);
  k["high_water_bytes"] = s.value("high_water_bytes", 0.0);
  k["server_sndbuf_bytes"] = s.value("sndbuf_max_bytes", 0.0);
  k["queue_max"] = s.value("queue_max", 0.0);
  k["cap_bytes"] = kCapBytes;
  // bounded_queue's exact bound on one client's backlog: a full queue, plus
  // the transport's buffer, which drain() lets reach the high water mark
  // and one write beyond it.
  if (c.design == "bounded_queue")
    k["backlog_bound_bytes"] =
        static_cast<double>(kQueueMax) * kMsgBytes + s.value("high_water_bytes", 0.0) + kMsgBytes;
  const auto& samples = s.at("samples");
  const auto t = samples.at("t_ms").get<std::vector<double>>();
  const auto backlog = samples.at("backlog_bytes").get<std::vector<double>>();
  const auto backlog_max = samples.at("backlog_max_bytes").get<std::vector<double>>();
  const auto rss = samples.at("rss_bytes").get<std::vector<double>>();
  if (!rss.empty()) {
    k["rss_start_bytes"] = rss.front();
    k["rss_peak_bytes"] = *std::max_element(rss.begin(), rss.end());
    k["rss_growth_bytes"] = k["rss_peak_bytes"].value - rss.front();
  }
  // The backlog's growth while the slow reader pauses: its peak per second of pause.
  k["backlog_growth_bytes_per_s"] = s.value("backlog_peak_bytes", 0.0) / (c.pause_ms / 1000.0);
  std::vector<double> shifted(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) shifted[i] = t[i] + res.server_offset_ms;
  context.series().add(name, "t_ms", shifted);
  context.series().add(name, "backlog_bytes", backlog);
  context.series().add(name, "backlog_max_bytes", backlog_max);
  context.series().add(name, "rss_bytes", rss);
  context.series().add(name, "fast0_sent_ms", cl.trace_t_ms);
  context.series().add(name, "fast0_latency_ms", cl.trace_latency_ms);
  std::vector<double> us(cl.fast_latency_ms.size());
  for (std::size_t i = 0; i < us.size(); ++i) us[i] = cl.fast_latency_ms[i] * 1000.0;
  context.spectra().add(name, us);
  if (s.value("set_errors", 0.0) > 0) state.SetLabel(s.value("set_error_example", ""));
}

void register_streams(ScenarioContext& context) {
  const Mode mode = context.options().mode;
  std::vector<int> windows = {1, 64, 1024};
  if (mode == Mode::reference) windows = {1, 8, 64, 1024, 4096};
  for (const char* impl : {"asio", "py_asyncio"})
    for (int w : windows) {
      // The default measures what a figure, check or sentence reads: the
      // pair at window 64, the loss of both at 1024, and asyncio's echo at
      // window 1 (the guide's "it answers"). Asio's round trips one at a time
      // are a point of the sweep only: the quick run and the reference have it.
      if (mode == Mode::standard && w == 1 && std::string(impl) == "asio") continue;
      const UdpCase c{impl, w};
      const std::string name = udp_name(c);
      context.add(name, [&context, c, name](benchmark::State& state) {
        run_udp_benchmark(state, context, c, name);
      });
    }
  // The headline UDP pair: Asio against asyncio at a window without loss.
  context.compare({"UDP round trips/s, asio ÷ py_asyncio, window:64", udp_name({"asio", 64}),
                   udp_name({"py_asyncio", 64}), "round_trips_per_s"});

  const int duration_ms = mode == Mode::quick ? 800 : 1200;
  const int pause_ms = duration_ms * 3 / 4;
  std::vector<std::string> names;
  for (const char* design : {"drain_in_loop", "no_drain", "bounded_queue"}) {
    const ChatCase c{"chat", design, "copy", pause_ms, duration_ms};
    const std::string name = chat_name(c);
    names.push_back(name);
    context.add(name, [&context, c, name](benchmark::State& state) {
      run_chat_benchmark(state, context, c, name);
    });
  }
  context.compare({"fast clients' p99 latency, drain_in_loop ÷ bounded_queue", names[0], names[2],
                   "fast_p99_ms"});
  context.compare(
      {"server backlog peak, no_drain ÷ bounded_queue", names[1], names[2], "backlog_peak_bytes"});
  for (const char* iterate : {"set", "copy"}) {
    const ChatCase c{"churn", "drain_in_loop", iterate, pause_ms, duration_ms};
    const std::string name = chat_name(c);
    context.add(name, [&context, c, name](benchmark::State& state) {
      run_chat_benchmark(state, context, c, name);
    });
  }
}

const ScenarioRegistrar registrar({"streams", register_streams});

}  // namespace
}  // namespace bench::streams_scenario
