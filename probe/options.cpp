#include "options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>

#include "cli_checks.hpp"
#include "cli_usage.hpp"

namespace probe {

std::optional<Expectation> parse_expectation(const std::string& text) {
  Expectation e;
  e.text = text;
  if (text == "pooled") {
    e.kind = Expectation::Kind::pooled;
    return e;
  }
  if (text == "no-abandoned") {
    e.kind = Expectation::Kind::no_abandoned;
    return e;
  }
  if (text == "jitter") {
    e.kind = Expectation::Kind::jitter;
    return e;
  }
  constexpr std::string_view kMax = "max-connections=";
  if (text.starts_with(kMax)) {
    const char* first = text.data() + kMax.size();
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, e.limit);
    if (ec != std::errc() || end != last || first == last || e.limit < 1) return std::nullopt;
    e.kind = Expectation::Kind::max_connections;
    return e;
  }
  return std::nullopt;
}

std::variant<Options, int> parse_options(int argc, char** argv) {
  CLI::App app{
      "probe [OPTIONS] -- PROGRAM [ARGS...]\n\nRuns PROGRAM against a fresh mockd (its address in "
      "$MOCKD_URL) and reports how it used the server's connections, with findings tied to the "
      "suite's claims (probe/README.md)",
      "probe"};
  Options o;
  std::vector<std::string> expect_texts;
  std::string profile;
  app.add_flag("--tls", o.tls,
               "Also start an HTTPS mockd ($MOCKD_HTTPS_URL); its certificate is trusted through "
               "SSL_CERT_FILE, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE");
  app.add_option("--default", o.default_query,
                 "Request parameters every request gets unless it sets them itself, e.g. "
                 "'delay_ms=50' (mockd --default)");
  // mockd checks the name (its table of profiles is the one list), before the
  // program starts.
  app.add_option("--profile", profile,
                 "A kind of bad server: slow, flaky, stall or overload (mockd --profile; "
                 "probe/README.md)");
  app.add_option("--time-limit", o.time_limit_s,
                 "Seconds PROGRAM may run; then it and everything it started are killed")
      ->transform(cli_checks::number_in(0.1, 86400, "s"))
      ->capture_default_str();
  app.add_flag("--json", o.json,
               "Print the summary as JSON on stdout (PROGRAM's stdout then goes to stderr)");
  app.add_option("--out", o.out_dir,
                 "Write summary.json and arrivals.png (drawn by /usr/bin/python3 with matplotlib) "
                 "into this directory");
  app.add_option("--expect", expect_texts,
                 "Require pooled, max-connections=N, no-abandoned or jitter (repeatable); any "
                 "failed: exit status 3")
      ->allow_extra_args(false)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return parse_expectation(text)
                       ? ""
                       : "must be pooled, max-connections=N (N >= 1), no-abandoned or jitter, "
                         "got '" +
                             text + "'";
          },
          "EXPECTATION"));
  app.add_option("--width", o.width, "Columns of the arrival sparkline (default: the terminal's)")
      ->check(CLI::Range(10, 1000));
  app.set_version_flag("--version", "probe " + std::string(cli_usage::version));
  // Everything from PROGRAM on is PROGRAM's, options included.
  app.prefix_command();
  try {
    app.parse(argc, argv);
    o.command = app.remaining();
    if (!o.command.empty() && o.command.front() == "--")
      o.command.erase(o.command.begin());
    else if (!o.command.empty() && o.command.front().starts_with("-"))
      throw CLI::ExtrasError("unknown option " + o.command.front(), CLI::ExitCodes::ExtrasError);
    if (o.command.empty())
      throw CLI::ValidationError("no program given: probe [OPTIONS] -- PROGRAM [ARGS...]",
                                 CLI::ExitCodes::ValidationError);
  } catch (const CLI::ParseError& e) {
    return cli_usage::exit_code(app, e, "probe");
  }
  if (!profile.empty()) o.profile = profile;
  for (const auto& text : expect_texts) o.expectations.push_back(*parse_expectation(text));
  return o;
}

}  // namespace probe
