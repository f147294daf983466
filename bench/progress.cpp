#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace bench {
namespace {

// A status line longer than the terminal wraps, and "\r" then redraws only
// its last part: the line is cut to the width (0: not a terminal, no limit).
std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 10) return size.ws_col - 1;
  return 0;
}

}  // namespace

std::string fit_line(const std::string& head, const std::string& name, const std::string& tail,
                     std::size_t width) {
  const std::string whole = head + name + tail;
  if (width == 0 || whole.size() <= width) return whole;
  const std::string dots = "...";
  const std::size_t fixed = head.size() + tail.size() + dots.size();
  // Too narrow even for the head, the ETA and a few letters of the name: keep
  // the end (the ETA), which is what a glance at the line is for.
  if (fixed + 8 > width) return whole.substr(whole.size() - width);
  const std::size_t keep = width - fixed;
  // The name's start (scenario and model) and its end (the parameters) say
  // the most; the middle goes.
  const std::size_t front = keep / 2, back = keep - front;
  return head + name.substr(0, front) + dots + name.substr(name.size() - back) + tail;
}

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

void Progress::set_later_scenarios(double seconds) {
  std::lock_guard lock(mutex_);
  later_scenarios_s_ = std::max(0.0, seconds);
}

void Progress::begin(const Status& status) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  status_ = status;
  running_ = true;
  started_ = last_heartbeat_ = now;
  if (terminal_) {
    std::cerr << "\r\033[K" << render(now) << std::flush;
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
  if (terminal_ && running_) std::cerr << render(Clock::now());
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
  std::string tail = "  this benchmark " + duration_text(running) + " | ";
  if (!status_.figure.empty()) tail += status_.figure + " | ";
  tail += "scenario " + duration_text(elapsed) + ", ETA " + duration_text(eta);
  if (later_scenarios_s_ > 0) tail += ", all " + duration_text(eta + later_scenarios_s_);
  return fit_line(head, status_.benchmark, tail, terminal_ ? terminal_width() : 0);
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(500));
    if (stop_ || !running_) continue;
    const auto now = Clock::now();
    if (terminal_) {
      std::cerr << "\r\033[K" << render(now) << std::flush;
      drawn_ = true;
    } else if (now - last_heartbeat_ >= std::chrono::seconds(30)) {
      std::cerr << render(now) << std::endl;
      last_heartbeat_ = now;
    }
  }
}

}  // namespace bench
