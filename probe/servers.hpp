// The mockd servers a probe runs against: plain HTTP, and with --tls also
// HTTPS, each started by harness::MockdProcess with --default and --profile;
// the certificate the program must trust and mockd's stderr in a temporary
// directory; the environment that points the program at them; their /stats.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "mockd_process.hpp"
#include "options.hpp"
#include "stats_client.hpp"

namespace probe {

// mockd refused the options probe passed on (its usage error, quoted):
// probe's own usage error, exit status 2.
struct ServerRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Servers {
 public:
  // Starts them; throws ServerRefused, or std::runtime_error if mockd did
  // not start for another reason. Nothing is left running after a throw.
  explicit Servers(const Options& options);
  ~Servers();
  Servers(const Servers&) = delete;
  Servers& operator=(const Servers&) = delete;

  struct Server {
    std::string scheme;  // "http" or "https"
    std::string url;
    int pid = 0;
  };
  const std::vector<Server>& list() const { return list_; }

  // MOCKD_URL (and MOCKD_HTTPS_URL, SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
  // CURL_CA_BUNDLE) and NO_PROXY for the program.
  std::vector<std::string> environment() const;

  void reset_stats();
  // One /stats document per server, in list() order.
  std::vector<nlohmann::json> read_stats();

 private:
  std::string dir_;  // temporary: the certificate, mockd's stderr
  std::string cert_;
  std::vector<Server> list_;
  std::vector<std::unique_ptr<harness::MockdProcess>> mockd_;
  std::vector<std::unique_ptr<StatsClient>> stats_;
};

}  // namespace probe
