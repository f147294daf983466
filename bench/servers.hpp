// The mock servers a bench run talks to: mockd processes it starts itself
// (port 0, plain HTTP and HTTPS, on demand), or servers the user named with
// --server. Every process started here is stopped at exit, on failure, and on
// Ctrl-C (see stop_children_on_signals).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mockd_process.hpp"

namespace bench {

struct ServerEndpoint {
  std::string url;          // scheme://host:port, no trailing slash
  std::string cacert;       // https: the certificate to verify against
  std::string description;  // for the results' context
  int pid = 0;              // a server bench started: its process (0: an external server)
};

class ServerSet {
 public:
  // `external`: URLs given with --server (at most one http and one https);
  // `cacert`: the certificate for an external https server; `server_cpu`:
  // the CPU to pin started servers to (-1: not pinned).
  ServerSet(std::vector<std::string> external, std::string cacert, int server_cpu);
  ~ServerSet();

  // The server for a scheme, starting a mockd if none is running; throws
  // std::runtime_error when it cannot. Called before every repetition, so it
  // also checks that the server is still there: a mockd bench started that
  // has exited, or an external server that refuses connections, throws (the
  // benchmark is skipped with the reason, never timed against no server) and
  // is recorded in failures(). A dead mockd is not restarted: the
  // repetitions before and after would measure different processes.
  const ServerEndpoint& get(bool https);

  // A mockd of its own for a scenario that needs a particular one (another
  // engine, several hosts): started on first use with `args` (--port is
  // added), kept under `key` until the end of the run, never an external
  // server. Throws std::runtime_error when it cannot start, or when it has
  // exited since (recorded in failures(), as for get).
  const ServerEndpoint& get_named(const std::string& key, const std::vector<std::string>& args);

  // A server a scenario runs itself (the middleware scenario's aiohttp) died
  // during the run: recorded with the others, so the run fails.
  void record_failure(const std::string& why);
  // Servers that died or stopped answering during the run, one reason each:
  // the run exits non-zero when there is any.
  const std::vector<std::string>& failures() const { return failures_; }

  // The CPU started servers are pinned to (-1: not pinned); a scenario that
  // starts a server of its own pins it there too.
  int server_cpu() const { return server_cpu_; }

  // Called with the port of every mockd this set starts, before it is used
  // (bench --rtt-ms: route its packets through the delayer).
  std::function<void(int port)> on_start;

 private:
  // Starts a mockd with `args`, pinned like the others; its certificate (if
  // --tls) goes to `cacert`.
  ServerEndpoint start(std::vector<std::string> args, const std::string& cacert);
  std::filesystem::path temp_dir();
  // Throws (and records) when `endpoint`'s server is gone: a process of ours
  // that exited, or an external server refusing connections.
  void check_alive(const ServerEndpoint& endpoint);

  std::optional<ServerEndpoint> http_, https_;
  std::map<std::string, ServerEndpoint> named_;
  std::vector<std::unique_ptr<harness::MockdProcess>> started_;
  std::filesystem::path temp_dir_;  // removed at exit and on SIGINT/SIGTERM
  int temp_lock_fd_ = -1;           // flock held while this process lives
  std::string external_cacert_;
  int server_cpu_;
  std::vector<std::string> failures_;
};

// Pins this process (and the threads it will create) to `cpu`; false if the
// kernel refused.
bool pin_to_cpu(int cpu);

// On SIGINT/SIGTERM: stop every child this process tracks (the mockd
// processes it started, the report script), remove every temporary
// directory and file registered below (make_temp_dir and the rest), then
// exit 130/143, even if the main thread is waiting for a child. Results
// written so far stay, as they are written atomically. The work is done by a
// thread of its own, not in the signal handler. A temporary directory left by
// a bench killed with SIGKILL is removed by the next bench that makes one
// (each holds an flock in its directory while it lives).
void stop_children_on_signals();

// A child process a signal must stop (see stop_children_on_signals); a
// negative pid is a process group (-leader), stopped as a whole.
void track_child(pid_t pid);
void untrack_child(pid_t pid);
// Around starting a child a signal must stop: begin_spawn() returns false
// once the run is interrupted (start nothing then); otherwise start it and
// call end_spawn(pid) (0: it did not start), which tracks it. A signal
// arriving in between waits for end_spawn, so the child is always stopped.
bool begin_spawn();
void end_spawn(pid_t pid);
// Whether SIGINT/SIGTERM arrived: the run is being stopped and exits soon.
bool interrupted();

// Temporary directories and files an interrupt removes (the clean-up ends the
// process with _exit, so no destructor runs): the file sets under /dev/shm,
// the certificate and key directories, a results file being replaced. Each
// is made and registered under the lock the clean-up takes, so none is made
// after the clean-up ran; once the run is interrupted these make nothing
// and block until the process ends. The owner still removes what it made
// when the run ends normally, and then calls forget_temp_path.
//
// mkdtemp(`pattern`, ending in XXXXXX); throws std::runtime_error on failure.
std::filesystem::path make_temp_dir(std::string pattern);
// create_directories(`dir`), with `owned` (`dir` or a directory above it,
// made by this run) removed on an interrupt.
void make_dirs_removed_on_interrupt(const std::filesystem::path& dir,
                                    const std::filesystem::path& owned);
// open(`path`, O_CREAT | O_EXCL | O_WRONLY): a file descriptor, or -1 with errno.
int create_temp_file(const std::filesystem::path& path);
// `path` is no longer the interrupt's to remove (its owner removed or renamed it).
void forget_temp_path(const std::filesystem::path& path);

}  // namespace bench
