// The request-parameter parser and response plan both engines share: every
// bad parameter is refused by name, never clamped or ignored.
#include "request_params.hpp"

#include <gtest/gtest.h>

#include "profiles.hpp"
#include "response_plan.hpp"

using namespace mockd;

namespace {

ParseResult parse(std::string_view q) {
  return parse_request_params(q, Limits{});
}

std::string refused(std::string_view q) {
  auto r = parse(q);
  return r.error ? r.error->param : std::string("<accepted>");
}

}  // namespace

TEST(RequestParams, EmptyQueryMeansDefaults) {
  auto r = parse("");
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.params.status, 200);
  EXPECT_EQ(r.params.delay_ms, 0);
  EXPECT_FALSE(r.params.bytes);
  EXPECT_EQ(r.params.fault, Fault::none);
}

TEST(RequestParams, ReadsEveryParameter) {
  auto r = parse("delay_ms=12.5&bytes=1000&status=404&close=1&drip_ms=30");
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_DOUBLE_EQ(r.params.delay_ms, 12.5);
  EXPECT_EQ(*r.params.bytes, 1000u);
  EXPECT_EQ(r.params.status, 404);
  EXPECT_TRUE(r.params.close);
  EXPECT_DOUBLE_EQ(r.params.drip_ms, 30);

  r = parse("dist=lognormal&p50_ms=5&p99_ms=50&seed=7&fail_rate=0.25&fail_status=503");
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.params.dist, DelayDist::lognormal);
  EXPECT_EQ(*r.params.seed, 7u);
  EXPECT_DOUBLE_EQ(r.params.fail_rate, 0.25);
  EXPECT_EQ(r.params.fail_status, 503);

  r = parse("fault=garbage");
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.params.fault, Fault::garbage);
}

TEST(RequestParams, RefusesBadInputByName) {
  EXPECT_EQ(refused("bogus=1"), "bogus");
  EXPECT_EQ(refused("delay_ms=abc"), "delay_ms");
  EXPECT_EQ(refused("delay_ms=-1"), "delay_ms");
  EXPECT_EQ(refused("delay_ms=nan"), "delay_ms");
  EXPECT_EQ(refused("delay_ms=1&delay_ms=2"), "delay_ms");
  EXPECT_EQ(refused("bytes=1.5"), "bytes");
  EXPECT_EQ(refused("status=99"), "status");
  EXPECT_EQ(refused("status=204"), "status");
  EXPECT_EQ(refused("fail_rate=1.5"), "fail_rate");
  EXPECT_EQ(refused("close=yes"), "close");
  EXPECT_EQ(refused("fault=explode"), "fault");
  EXPECT_EQ(refused("dist=pareto"), "dist");
  EXPECT_EQ(refused("dist=uniform&min_ms=1"), "dist");
  EXPECT_EQ(refused("dist=uniform&min_ms=5&max_ms=1"), "min_ms");
  EXPECT_EQ(refused("dist=normal&p50_ms=9&p99_ms=5"), "p50_ms");
  EXPECT_EQ(refused("delay_ms=1&dist=uniform&min_ms=1&max_ms=2"), "dist");
  EXPECT_EQ(refused("p50_ms=3"), "p50_ms");
  EXPECT_EQ(refused("fail_status=503"), "fail_status");
  EXPECT_EQ(refused("reset_rate=1.5"), "reset_rate");
  EXPECT_EQ(refused("stall_rate=0.5"), "stall_rate");  // a stall needs its length
  EXPECT_EQ(refused("stall_ms=100"), "stall_ms");
  EXPECT_EQ(refused("stall_rate=-0.1&stall_ms=100"), "stall_rate");
  EXPECT_EQ(refused("seed=3"), "seed");
}

TEST(RequestParams, ReadsTheStallAndResetParameters) {
  auto r = parse("reset_rate=0.25&stall_rate=0.5&stall_ms=2000&seed=4");
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_DOUBLE_EQ(r.params.reset_rate, 0.25);
  EXPECT_DOUBLE_EQ(r.params.stall_rate, 0.5);
  EXPECT_DOUBLE_EQ(r.params.stall_ms, 2000);
  Limits limits;
  limits.max_delay_ms = 100;
  EXPECT_EQ(parse_request_params("stall_rate=1&stall_ms=101", limits).error->param, "stall_ms");
}

// The table --help prints is the parser's own list: each name in it is
// known (a bad value is refused for its value, not as unknown), in Param's
// order, and a name outside it is unknown.
TEST(RequestParams, TheParserKnowsExactlyTheTable) {
  const auto table = request_param_table();
  ASSERT_EQ(table.size(), kParamCount);
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(table[i].id), i);
    const auto r = parse(std::string(table[i].name) + "=%bad%");
    ASSERT_TRUE(r.error) << table[i].name;
    EXPECT_EQ(r.error->param, table[i].name);
    EXPECT_NE(r.error->message, "unknown parameter") << table[i].name;
    EXPECT_NE(request_param_help().find("  " + std::string(table[i].name) + "="), std::string::npos)
        << table[i].name;
  }
  EXPECT_EQ(parse("delay=5").error->message, "unknown parameter");
}

// --default: what a request leaves alone comes from the default.
TEST(RequestDefaults, DefaultAppliesWhereTheRequestSetsNothing) {
  const auto d = parse_default_params("dist=lognormal&p50_ms=5&p99_ms=50&fail_rate=0.5", Limits{});
  ASSERT_FALSE(d.error) << d.error->message;
  const RequestDefaults defaults{d.params, d.given};
  const auto r = parse_request_params("bytes=100", Limits{}, defaults);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.params.dist, DelayDist::lognormal);
  EXPECT_DOUBLE_EQ(r.params.p99_ms, 50);
  EXPECT_DOUBLE_EQ(r.params.fail_rate, 0.5);
  EXPECT_EQ(*r.params.bytes, 100u);
  EXPECT_EQ(to_query(r.params, r.given),
            "dist=lognormal&p50_ms=5&p99_ms=50&bytes=100&fail_rate=0.5");
}

// A request that sets one parameter of a group replaces the default's whole
// group, so what it gets is valid: delay_ms with the default's dist would
// otherwise be refused, and fail_rate alone keeps its own fail_status (500).
TEST(RequestDefaults, TheRequestsGroupReplacesTheDefaultsWholeGroup) {
  const auto d = parse_default_params(
      "dist=uniform&min_ms=10&max_ms=20&fail_rate=0.1&fail_status=503&"
      "stall_rate=0.1&stall_ms=500&close=1",
      Limits{});
  ASSERT_FALSE(d.error) << d.error->message;
  const RequestDefaults defaults{d.params, d.given};
  auto r = parse_request_params("delay_ms=3&fail_rate=1", Limits{}, defaults);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.params.dist, DelayDist::fixed);
  EXPECT_DOUBLE_EQ(r.params.delay_ms, 3);
  EXPECT_EQ(r.params.fail_status, 500);
  EXPECT_EQ(to_query(r.params, r.given),
            "delay_ms=3&stall_rate=0.1&stall_ms=500&fail_rate=1&close=1");
  EXPECT_EQ(plan_response(r.params, Limits{}).status, 500);
  // Setting the one parameter of a group to its neutral value turns the default off.
  r = parse_request_params("close=0&stall_rate=0&stall_ms=0", Limits{}, defaults);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_FALSE(r.params.close);
  EXPECT_DOUBLE_EQ(r.params.stall_rate, 0);
  // A request's own mistakes are still its own: stall_ms alone replaces the
  // default's stall group and lacks its stall_rate.
  r = parse_request_params("stall_ms=100", Limits{}, defaults);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->param, "stall_ms");
}

// A request's seed makes the default's draws reproducible; a seed with
// nothing to draw is refused as before.
TEST(RequestDefaults, SeedInTheRequestDrawsTheDefaultsDistribution) {
  const auto d = parse_default_params("dist=lognormal&p50_ms=5&p99_ms=50", Limits{});
  const RequestDefaults defaults{d.params, d.given};
  const auto with_default = parse_request_params("seed=9", Limits{}, defaults);
  ASSERT_FALSE(with_default.error) << with_default.error->message;
  const auto spelled_out = parse("dist=lognormal&p50_ms=5&p99_ms=50&seed=9");
  EXPECT_EQ(with_default.params, spelled_out.params);
  EXPECT_EQ(plan_response(with_default.params, Limits{}).delay,
            plan_response(spelled_out.params, Limits{}).delay);
  EXPECT_EQ(parse_request_params("seed=9&delay_ms=1", Limits{}, defaults).error->param, "seed");
}

// A default is refused for the reason a request would get a 400, and a
// seed in it (every request would draw alike) is refused too.
TEST(RequestDefaults, RefusedDefaultsNameTheParameter) {
  Limits limits;
  limits.max_delay_ms = 100;
  const std::pair<const char*, const char*> cases[] = {
      {"delay_ms=abc", "delay_ms"},
      {"delay_ms=101", "delay_ms"},
      {"min_ms=5", "min_ms"},
      {"dist=lognormal&p50_ms=9&p99_ms=5", "p50_ms"},
      {"bogus=1", "bogus"},
      {"fail_status=503", "fail_status"},
      {"seed=1&fail_rate=0.5", "seed"},
  };
  for (auto [query, param] : cases) {
    const auto d = parse_default_params(query, limits);
    ASSERT_TRUE(d.error) << query;
    EXPECT_EQ(d.error->param, param) << query;
    if (std::string_view(param) != "seed") {
      EXPECT_EQ(d.error->message, parse_request_params(query, limits).error->message) << query;
    }
  }
  EXPECT_FALSE(parse_default_params("", limits).error);
  EXPECT_TRUE(parse_default_params("", limits).given.empty());
}

// A default over another (--default over --profile) follows the same rule.
TEST(RequestDefaults, DefaultOverABaseReplacesTheBasesGroups) {
  const auto base =
      parse_default_params("dist=lognormal&p50_ms=20&p99_ms=400&reset_rate=0.1", Limits{});
  const RequestDefaults profile{base.params, base.given};
  const auto d = parse_default_params("delay_ms=7&status=202", Limits{}, profile);
  ASSERT_FALSE(d.error) << d.error->message;
  EXPECT_EQ(to_query(d.params, d.given), "delay_ms=7&status=202&reset_rate=0.1");
}

// to_query renders every parameter so that parsing it gives the same
// request back: a default with every group set survives the trip through
// /stats, and an empty request under it gets exactly it.
TEST(RequestDefaults, ToQueryRoundTripsEveryParameter) {
  const std::string full =
      "dist=normal&p50_ms=2.5&p99_ms=40&stall_rate=0.125&stall_ms=900&bytes=77&status=418&"
      "fail_rate=0.3&fail_status=502&reset_rate=0.05&close=1&drip_ms=12";
  const auto d = parse_default_params(full, Limits{});
  ASSERT_FALSE(d.error) << d.error->message;
  EXPECT_EQ(to_query(d.params, d.given), full);
  const RequestDefaults defaults{d.params, d.given};
  const auto empty = parse_request_params("", Limits{}, defaults);
  EXPECT_EQ(empty.params, d.params);
  EXPECT_EQ(empty.given, d.given);
  for (const char* q : {"delay_ms=0.001&fault=garbage",
                        "dist=uniform&min_ms=0&max_ms=1e-05&seed=18446744073709551615&close=0"}) {
    const auto r = parse(q);
    ASSERT_FALSE(r.error) << q;
    EXPECT_EQ(parse(to_query(r.params, r.given)).params, r.params) << q;
  }
}

// The four profiles, each a valid default under any --max-delay-ms (their
// delays are cut when served, not refused), written in canonical form.
TEST(Profiles, EachIsAValidDefaultUnderAnyDelayCap) {
  std::vector<std::string> names;
  for (const auto& profile : profiles()) {
    names.emplace_back(profile.name);
    Limits tiny;
    tiny.max_delay_ms = 1;
    for (const Limits& limits : {Limits{}, tiny}) {
      const auto d = profile_defaults(profile, limits);
      ASSERT_FALSE(d.error) << profile.name << ": " << d.error->message;
      EXPECT_FALSE(d.given.has(Param::seed));
      EXPECT_EQ(to_query(d.params, d.given), profile.default_query);
    }
    EXPECT_EQ(find_profile(profile.name), &profile);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"slow", "flaky", "stall", "overload"}));
  EXPECT_EQ(find_profile("fast"), nullptr);
  EXPECT_EQ(*find_profile("overload")->max_connections, 4);
}

// What the profiles promise, over 1,000 seeded requests.
TEST(Profiles, SignaturesOverSeededRequests) {
  auto under = [](const char* name) {
    const auto d = profile_defaults(*find_profile(name), Limits{});
    return RequestDefaults{d.params, d.given};
  };
  const auto slow = under("slow"), flaky = under("flaky"), stall = under("stall");
  std::vector<double> delays;
  int fails = 0, resets = 0, stalls = 0;
  for (int seed = 0; seed < 1000; ++seed) {
    const std::string q = "seed=" + std::to_string(seed);
    delays.push_back(
        plan_response(parse_request_params(q, Limits{}, slow).params, Limits{}).delay.count() /
        1e3);
    const auto f = plan_response(parse_request_params(q, Limits{}, flaky).params, Limits{});
    if (f.fault == Fault::reset)
      ++resets;
    else if (f.status == 503)
      ++fails;
    if (plan_response(parse_request_params(q, Limits{}, stall).params, Limits{}).delay ==
        std::chrono::seconds(30))
      ++stalls;
  }
  std::sort(delays.begin(), delays.end());
  EXPECT_GT(delays[500], 15);  // median 20 ms
  EXPECT_LT(delays[500], 27);
  EXPECT_GT(delays[990], 250);  // 99th percentile 400 ms
  EXPECT_LT(delays[990], 650);
  EXPECT_GT(resets, 25);  // 5 %
  EXPECT_LT(resets, 80);
  EXPECT_GT(fails, 60);  // 10 % of the rest
  EXPECT_LT(fails, 135);
  EXPECT_GT(stalls, 60);  // 10 %
  EXPECT_LT(stalls, 140);
}

TEST(RequestParams, RefusesValuesBeyondTheCapsInsteadOfClamping) {
  Limits limits;
  limits.max_delay_ms = 100;
  limits.max_bytes = 1000;
  EXPECT_EQ(parse_request_params("delay_ms=100", limits).error, std::nullopt);
  EXPECT_EQ(parse_request_params("delay_ms=100.5", limits).error->param, "delay_ms");
  EXPECT_EQ(parse_request_params("bytes=1000", limits).error, std::nullopt);
  EXPECT_EQ(parse_request_params("bytes=1001", limits).error->param, "bytes");
}

TEST(RequestParams, ErrorBodyIsJsonNamingTheParameter) {
  const auto body = param_error_json(*parse("delay_ms=abc").error);
  EXPECT_NE(body.find("\"param\":\"delay_ms\""), std::string::npos) << body;
}

TEST(ResponsePlan, SeededDrawsAreReproducibleAndFollowTheDistribution) {
  std::vector<double> first, second;
  for (int seed = 0; seed < 200; ++seed) {
    const auto q = "dist=lognormal&p50_ms=10&p99_ms=100&seed=" + std::to_string(seed);
    first.push_back(plan_response(parse(q).params, Limits{}).delay.count());
    second.push_back(plan_response(parse(q).params, Limits{}).delay.count());
  }
  EXPECT_EQ(first, second);
  std::sort(first.begin(), first.end());
  EXPECT_LT(first.front(), first.back());  // not one value repeated
  // The median of 200 draws from a lognormal with p50 = 10 ms lies near 10 ms.
  EXPECT_GT(first[100], 7'000);
  EXPECT_LT(first[100], 14'000);
}

TEST(ResponsePlan, FailRateOneAlwaysFails) {
  const auto plan = plan_response(parse("fail_rate=1&fail_status=503").params, Limits{});
  EXPECT_EQ(plan.status, 503);
  EXPECT_EQ(plan_response(parse("fail_rate=0").params, Limits{}).status, 200);
}

TEST(ResponsePlan, ResetRateOneAlwaysResetsAndStallsAddToTheDelay) {
  EXPECT_EQ(plan_response(parse("reset_rate=1").params, Limits{}).fault, Fault::reset);
  EXPECT_EQ(plan_response(parse("reset_rate=0").params, Limits{}).fault, Fault::none);
  // A reset drawn together with a failure: the connection is reset.
  EXPECT_EQ(plan_response(parse("reset_rate=1&fail_rate=1").params, Limits{}).fault, Fault::reset);
  const auto stalled =
      plan_response(parse("delay_ms=5&stall_rate=1&stall_ms=100").params, Limits{});
  EXPECT_EQ(stalled.delay, std::chrono::milliseconds(105));
  // The whole delay, stall included, is cut to the cap.
  Limits cap;
  cap.max_delay_ms = 50;
  EXPECT_EQ(plan_response(parse("delay_ms=30&stall_rate=1&stall_ms=40").params, cap).delay,
            std::chrono::milliseconds(50));
}

// Seeded shares come out near their rates, and a newer draw never changes
// what an older parameter drew for the same seed (a committed sequence stays).
TEST(ResponsePlan, SeededResetAndStallSharesAndDrawOrder) {
  int resets = 0, stalls = 0;
  for (int seed = 0; seed < 1000; ++seed) {
    const std::string s = "&seed=" + std::to_string(seed);
    const auto plain = plan_response(parse("dist=uniform&min_ms=1&max_ms=9" + s).params, Limits{});
    const auto both = plan_response(
        parse("dist=uniform&min_ms=1&max_ms=9&reset_rate=0.2&stall_rate=0.1&stall_ms=1000" + s)
            .params,
        Limits{});
    if (both.fault == Fault::reset) ++resets;
    if (both.delay != plain.delay) {
      ++stalls;
      EXPECT_EQ(both.delay - plain.delay, std::chrono::seconds(1)) << seed;
    }
  }
  EXPECT_GT(resets, 150);
  EXPECT_LT(resets, 250);
  EXPECT_GT(stalls, 60);
  EXPECT_LT(stalls, 140);
}

TEST(ResponsePlan, BodySlicesFollowOnePattern) {
  std::string whole;
  for (std::size_t off = 0; off < 200'000;) {
    auto s = body_slice(off, 200'000 - off);
    whole += s;
    off += s.size();
  }
  ASSERT_EQ(whole.size(), 200'000u);
  for (std::size_t i = 63; i < whole.size(); ++i) ASSERT_EQ(whole[i], whole[i - 63]) << i;
  EXPECT_EQ(body_slice(70'000, 5), whole.substr(70'000, 5));
}

// The default 16-byte body obeys --max-bytes like an asked-for one (issue 21, item 7).
TEST(ResponsePlan, DefaultBodyIsCutToTheBytesCap) {
  Limits small;
  small.max_bytes = 4;
  EXPECT_EQ(plan_response(parse_request_params("", small).params, small).body_bytes, 4u);
  small.max_bytes = 0;
  EXPECT_EQ(plan_response(parse_request_params("", small).params, small).body_bytes, 0u);
  EXPECT_EQ(plan_response(parse("").params, Limits{}).body_bytes, kDefaultBodyBytes);
}
