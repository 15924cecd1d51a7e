// coopnet::config — a binary's settings from `COOPNET_*` environment variables, with
// command-line flags winning, checked all at once before the service starts.
//
// Options are declared up front, each returning a reference that Load() fills in, so a
// main() reads like the table its --help prints. Load() reports every missing required
// value, every unparsable value and every unknown flag in one INVALID_ARGUMENT, so an
// operator fixes a deployment in one round instead of one restart per mistake.
//
//   config::Loader loader("organisations", "[migrate]");
//   const int64_t& port = loader.Int("port", 50051, "gRPC listen port");
//   const std::string& dsn = loader.String("pg_dsn", config::kRequired, "PostgreSQL DSN");
//   const std::string& secret = loader.Secret("principal_secret", config::kRequired, "...");
//   const absl::Duration& drain = loader.Duration("drain_timeout", absl::Seconds(20), "...");
//   const bool& migrate_at_start = loader.Bool("migrate_at_start", false, "...");
//   if (absl::Status s = loader.Load(argc, argv, environ); !s.ok()) {
//     std::cerr << s.message() << "\n";
//     return 2;
//   }
//   if (loader.HelpRequested()) return 0;
//   if (loader.Positional() == std::vector<std::string>{"migrate"}) ...
//
// Option `drain_timeout` is read from COOPNET_DRAIN_TIMEOUT and from --drain_timeout=20s,
// --drain-timeout=20s or --drain_timeout 20s. Bool flags take `--name` (true) or
// `--name=false`, never the next argument, so `--migrate_at_start migrate` keeps
// `migrate` positional. An empty environment variable counts as unset, and a required
// value must not be empty. Everything after `--` is positional.
//
// A secret may instead come from a file, as Kubernetes mounts Secrets: COOPNET_PG_DSN_FILE
// names the file holding COOPNET_PG_DSN (trailing line ends dropped). Setting both, or
// naming a file that cannot be read or is empty, is an error naming the variable.
#ifndef COOPNET_COMMON_CONFIG_CONFIG_H_
#define COOPNET_COMMON_CONFIG_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace coopnet::config {

// Passed instead of a default: Load() fails unless the environment or a flag sets it.
struct Required {};
inline constexpr Required kRequired{};

namespace internal {
struct Option;  // One declared option and its value; defined in config.cc.
}  // namespace internal

// The declared options of one binary and, after Load(), their values. The references
// returned by the declaring methods stay valid for the Loader's lifetime and hold the
// default (or an empty value for required options) until Load() succeeds.
class Loader {
 public:
  // `program` and `args_usage` (e.g. "[migrate]") only shape the --help text.
  explicit Loader(absl::string_view program, absl::string_view args_usage = "");
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // `name` is snake_case (`-` is read as `_`); declaring it twice or with other
  // characters makes Load() fail with INTERNAL, as that is a bug, not a bad deployment.
  const std::string& String(absl::string_view name, absl::string_view default_value,
                            absl::string_view help);
  const std::string& String(absl::string_view name, Required, absl::string_view help);

  // A string that --help, Describe() and Values() show only as `***`, also read from the
  // file that COOPNET_<NAME>_FILE names.
  const std::string& Secret(absl::string_view name, absl::string_view default_value,
                            absl::string_view help);
  const std::string& Secret(absl::string_view name, Required, absl::string_view help);

  // A base-10 integer.
  const int64_t& Int(absl::string_view name, int64_t default_value, absl::string_view help);
  const int64_t& Int(absl::string_view name, Required, absl::string_view help);

  // A non-negative absl duration: "20s", "500ms", "1m30s", "0" or "inf".
  const absl::Duration& Duration(absl::string_view name, absl::Duration default_value,
                                 absl::string_view help);
  const absl::Duration& Duration(absl::string_view name, Required, absl::string_view help);

  // true/false (also 1/0, yes/no, t/f, y/n).
  const bool& Bool(absl::string_view name, bool default_value, absl::string_view help);

  // Reads `argv[1..argc)` and the `NAME=value` entries of `envp` (may be null). OK when
  // every value is present and well-formed, or when --help / -h was given; then the help
  // text went to stdout, HelpRequested() is true and nothing else was checked. Otherwise
  // one INVALID_ARGUMENT (with a google.rpc.BadRequest, see common/status) naming every
  // problem. Load() may be called again; each call starts from the defaults.
  absl::Status Load(int argc, const char* const* argv, const char* const* envp);

  // The same, for tests: `args` excludes the program name; `env` maps names to values.
  absl::Status Load(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env);

  // The binary's name, as given to the constructor.
  const std::string& program() const { return program_; }

  // Whether the last Load() saw --help; the caller should then exit 0.
  bool HelpRequested() const { return help_requested_; }

  // The non-flag arguments of the last Load(), in order.
  const std::vector<std::string>& Positional() const { return positional_; }

  // A Markdown table, one row per option in declaration order, with columns Flag,
  // Environment, Default and Description, padded so it also reads well in a terminal.
  std::string Describe() const;

  // Usage line, one sentence on precedence, then Describe(): what --help prints.
  std::string Help() const;

  // Each option's effective value as text, in declaration order, for a start-up log line.
  std::vector<std::pair<std::string, std::string>> Values() const;

 private:
  internal::Option& Declare(absl::string_view name, absl::string_view help);

  std::string program_;
  std::string args_usage_;
  std::vector<std::unique_ptr<internal::Option>> options_;
  std::vector<std::string> declaration_errors_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

}  // namespace coopnet::config

#endif  // COOPNET_COMMON_CONFIG_CONFIG_H_
