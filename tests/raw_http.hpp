// A raw TCP connection for tests that need byte-level control of HTTP:
// keep-alive on one socket, partial headers, garbage, and reading what a
// fault really sends. Blocking, with timeouts; test code only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace testing_http {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(const std::string& name) const {
    // Case-insensitive search for "\r\nName:" in the head.
    std::string lower_head = head, key = "\r\n" + name + ":";
    for (auto& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto at = lower_head.find(key);
    if (at == std::string::npos) return {};
    auto start = at + key.size();
    auto end = head.find("\r\n", start);
    auto v = head.substr(start, end - start);
    v.erase(0, v.find_first_not_of(' '));
    return v;
  }
};

class RawConnection {
 public:
  RawConnection(unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection(RawConnection&& o) noexcept : fd_(o.fd_), pending_(std::move(o.pending_)) {
    o.fd_ = -1;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Closes with an RST instead of a FIN (SO_LINGER with a zero timeout).
  void reset() {
    if (fd_ < 0) return;
    linger hard{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close();
  }

  bool send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  void get(const std::string& target, const std::string& extra_headers = {}) {
    send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n");
  }

  // Reads one response with a Content-Length body; nullopt if the
  // connection ended (or timed out) first. `error` gets errno of a failure.
  std::optional<RawResponse> read_response(int* error = nullptr) {
    RawResponse r;
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(error)) return std::nullopt;
    r.head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    if (r.head.rfind("HTTP/1.", 0) != 0 || r.head.size() < 12) return std::nullopt;
    r.status = std::stoi(r.head.substr(9, 3));
    const std::string length = r.header("Content-Length");
    const std::size_t n = length.empty() ? 0 : std::stoull(length);
    while (pending_.size() < n)
      if (!fill(error)) return std::nullopt;
    r.body = pending_.substr(0, n);
    pending_.erase(0, n);
    return r;
  }

  // Reads until the peer closes; returns the bytes. `error` gets errno if
  // the read failed (ECONNRESET for an RST), 0 for a clean EOF.
  std::string read_to_end(int* error) {
    *error = 0;
    while (fill(error)) {
    }
    std::string all = std::move(pending_);
    pending_.clear();
    return all;
  }

  int fd() const { return fd_; }

 private:
  bool fill(int* error) {
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (error) *error = n < 0 ? errno : 0;
    return false;
  }

  int fd_ = -1;
  std::string pending_;
};

}  // namespace testing_http
