#include "servers.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace probe {
namespace {

std::string first_line_of(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) return line;
  return {};
}

// What the options passed to mockd were, for a refusal's message.
std::string passed_options(const Options& o) {
  std::string out;
  if (o.default_query) out += "--default '" + *o.default_query + "'";
  if (o.profile) out += std::string(out.empty() ? "" : " ") + "--profile " + *o.profile;
  return out;
}

}  // namespace

Servers::Servers(const Options& options) {
  std::string dir_template = (std::filesystem::temp_directory_path() / "probe.XXXXXX").string();
  if (!mkdtemp(dir_template.data()))
    throw std::runtime_error("cannot create a temporary directory");
  dir_ = dir_template;
  std::vector<std::string> args;
  if (options.default_query) args.insert(args.end(), {"--default", *options.default_query});
  if (options.profile) args.insert(args.end(), {"--profile", *options.profile});
  try {
    for (const bool tls : {false, true}) {
      if (tls && !options.tls) break;
      auto these = args;
      if (tls) {
        cert_ = dir_ + "/mockd-cert.pem";
        these.insert(these.end(), {"--tls", "--cert-out", cert_});
      }
      const std::string err_file = dir_ + (tls ? "/mockd-https.err" : "/mockd-http.err");
      try {
        mockd_.push_back(std::make_unique<harness::MockdProcess>(
            these, std::chrono::seconds(10), harness::default_mockd_path(),
            std::vector<std::string>{}, err_file));
      } catch (const std::exception& e) {
        const std::string said = first_line_of(err_file);
        // mockd ends a usage error with "(see --help)" (common/cli_usage.hpp).
        if (said.ends_with("(see --help)") && !passed_options(options).empty())
          throw ServerRefused("mockd refused " + passed_options(options) + ": " + said);
        throw std::runtime_error("mockd did not start: " + (said.empty() ? e.what() : said));
      }
      const auto& m = *mockd_.back();
      list_.push_back({tls ? "https" : "http", m.url(), static_cast<int>(m.pid())});
      stats_.push_back(std::make_unique<StatsClient>(m.url(), tls ? cert_ : ""));
    }
  } catch (...) {
    mockd_.clear();
    std::filesystem::remove_all(dir_);
    throw;
  }
}

Servers::~Servers() {
  stats_.clear();
  mockd_.clear();  // each MockdProcess stops its mockd (SIGTERM, then SIGKILL)
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<std::string> Servers::environment() const {
  std::vector<std::string> env = {"MOCKD_URL=" + list_.front().url};
  if (list_.size() > 1) {
    env.push_back("MOCKD_HTTPS_URL=" + list_[1].url);
    // OpenSSL's default store (aiohttp, urllib, httpx), requests, and the
    // curl command: each reads its own variable.
    for (const char* name : {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"})
      env.push_back(std::string(name) + "=" + cert_);
  }
  // A proxy set in the environment would stand between the program and mockd.
  std::string no_proxy = "127.0.0.1,localhost,::1";
  for (const char* name : {"NO_PROXY", "no_proxy"}) {
    const char* old = std::getenv(name);
    env.push_back(std::string(name) + "=" + no_proxy +
                  (old && *old ? std::string(",") + old : std::string()));
  }
  return env;
}

void Servers::reset_stats() {
  for (auto& s : stats_) s->reset();
}

std::vector<nlohmann::json> Servers::read_stats() {
  std::vector<nlohmann::json> out;
  for (auto& s : stats_) out.push_back(s->read());
  return out;
}

}  // namespace probe
