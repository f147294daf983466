// What bench tells the user while it measures (stderr): the benchmark
// running now, where it is in the round, time so far and an ETA from each
// benchmark's expected cost. On a terminal one status line is redrawn in
// place twice a second, so it moves while a long benchmark runs; otherwise
// (a log, CI) a line per round and a heartbeat line every 30 s.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace bench {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  struct Status {
    std::string scenario, benchmark;
    int round = 0;             // 1-based
    int index = 0, count = 0;  // the benchmark's place in this round
    double expected_s = 0;     // its expected cost
    double after_s = 0;        // expected time left in this scenario after it
    Clock::time_point scenario_started;
    // The factor of this benchmark's comparison group so far, with its
    // interval ("factor so far 2.81x ±12 %"), once two rounds have run.
    std::string figure;
  };

  // The expected time of the scenarios still to come after this one, for the
  // overall ETA (0: this is the last, or a single-scenario run).
  void set_later_scenarios(double seconds);

  explicit Progress(bool terminal);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void begin(const Status& status);
  void end();
  // A message on a line of its own (the status line is cleared first).
  void say(const std::string& text);
  // Erases the status line, before something else writes to the terminal.
  void clear();

 private:
  void tick();
  std::string render(Clock::time_point now) const;  // caller holds mutex_

  const bool terminal_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false, stop_ = false, drawn_ = false;
  Status status_;
  double later_scenarios_s_ = 0;
  Clock::time_point started_, last_heartbeat_;
  std::thread ticker_;
};

// "1m05s", "42s".
std::string duration_text(double seconds);

// `head + name + tail` in at most `width` columns: the benchmark name gives
// way (its middle replaced by "..."), never the ETA at the end.
std::string fit_line(const std::string& head, const std::string& name, const std::string& tail,
                     std::size_t width);

}  // namespace bench
