#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace bench {
namespace {

// A status line longer than the terminal wraps, and "\r" then redraws only
// its last part: cut it to the width.
std::string fit(std::string line) {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 10 &&
      line.size() >= size.ws_col)
    line.resize(size.ws_col - 1);
  return line;
}

}  // namespace

std::string duration_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

Progress::Progress(bool terminal) : terminal_(terminal), ticker_([this] { tick(); }) {}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  if (terminal_ && drawn_) std::cerr << "\r\033[K" << std::flush;
}

void Progress::begin(const Status& status) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  status_ = status;
  running_ = true;
  started_ = last_heartbeat_ = now;
  if (terminal_) {
    std::cerr << "\r\033[K" << fit(render(now)) << std::flush;
    drawn_ = true;
  }
}

void Progress::end() {
  std::lock_guard lock(mutex_);
  running_ = false;
}

void Progress::say(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (terminal_ && drawn_) std::cerr << "\r\033[K";
  std::cerr << text << "\n";
  if (terminal_ && running_) std::cerr << fit(render(Clock::now()));
  std::cerr << std::flush;
}

void Progress::clear() {
  std::lock_guard lock(mutex_);
  if (terminal_ && drawn_) std::cerr << "\r\033[K" << std::flush;
  drawn_ = false;
}

std::string Progress::render(Clock::time_point now) const {
  const double running = std::chrono::duration<double>(now - started_).count();
  const double elapsed = std::chrono::duration<double>(now - status_.scenario_started).count();
  const double eta = status_.after_s + std::max(0.0, status_.expected_s - running);
  char head[96];
  std::snprintf(head, sizeof head, "[%s round %d, %d/%d] ", status_.scenario.c_str(), status_.round,
                status_.index, status_.count);
  char tail[128];
  std::snprintf(tail, sizeof tail, "  %.1f s | %s elapsed, ETA %s", running,
                duration_text(elapsed).c_str(), duration_text(eta).c_str());
  return head + status_.benchmark + tail;
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(500));
    if (stop_ || !running_) continue;
    const auto now = Clock::now();
    if (terminal_) {
      std::cerr << "\r\033[K" << fit(render(now)) << std::flush;
      drawn_ = true;
    } else if (now - last_heartbeat_ >= std::chrono::seconds(30)) {
      std::cerr << render(now) << std::endl;
      last_heartbeat_ = now;
    }
  }
}

}  // namespace bench
