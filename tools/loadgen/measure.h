// coopnet::loadgen::Measurement — what every measuring command of the benchmark programs
// takes and does: a target address, the caller, the calls in flight of each run, and for
// each of those a warm-up and a measured run printed as one line (see Line).
//
//   config::Loader loader("eventbench", "seed | get | list");
//   loadgen::Measurement measurement(loader);
//   if (!loader.Load(argc, argv, environ).ok()) ...
//   if (absl::Status s = measurement.Check(); !s.ok()) ...
//   workload.metadata = measurement.Caller(principal::Anonymous("203.0.113.9"));
//   return measurement.Measure(workload, "get_event");
#ifndef COOPNET_TOOLS_LOADGEN_MEASURE_H_
#define COOPNET_TOOLS_LOADGEN_MEASURE_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/principal/principal.h"
#include "tools/loadgen/load.h"

namespace coopnet::loadgen {

// What Workload::metadata is.
using CallerMetadata =
    std::function<std::vector<std::pair<std::string, std::string>>(const std::string& method)>;

// `caller`'s principal, sealed for each call anew for the service of its method with the
// first of `keys`, as that key's issuer: the service accepts each principal once.
CallerMetadata SignedCaller(const principal::KeySet& keys, principal::Principal caller);

class Measurement {
 public:
  // Declares the options on `loader`; their values are read by its Load().
  explicit Measurement(config::Loader& loader);

  // INVALID_ARGUMENT unless an address is given, the principal keys (if any) are well
  // formed, and the concurrency list is whole numbers from 1.
  absl::Status Check();

  // A signed principal's metadata, or none when no secret was given (a call through
  // the gateway, or to the echo server, which asks for none).
  CallerMetadata Caller(principal::Principal caller) const;

  // For each concurrency of the list: `warmup` of calls, then `duration` measured and
  // printed on stdout as `scenario` unless --scenario names it otherwise. 0, or 1 when a
  // measured run had no successful call.
  int Measure(const Workload& workload, absl::string_view scenario) const;

  const std::string& address() const { return address_; }
  // The principal keys given, or none.
  const std::optional<principal::KeySet>& principal_keys() const { return principal_keys_; }

 private:
  const std::string& address_;
  const std::string& principal_keys_text_;
  std::optional<principal::KeySet> principal_keys_;
  const std::string& scenario_;
  const std::string& concurrency_;
  const absl::Duration& duration_;
  const absl::Duration& warmup_;
  const int64_t& channels_;
};

}  // namespace coopnet::loadgen

#endif  // COOPNET_TOOLS_LOADGEN_MEASURE_H_
