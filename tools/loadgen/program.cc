#include "tools/loadgen/program.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log.h"
#include "common/status/status.h"

extern char** environ;

namespace coopnet::loadgen {

Program::Program(std::string name, std::vector<std::string> commands)
    : name_(std::move(name)),
      commands_(std::move(commands)),
      loader_(name_, absl::StrJoin(commands_, " | ")) {}

bool Program::Start(int argc, char** argv) {
  if (absl::Status s = loader_.Load(argc, argv, environ); !s.ok()) {
    std::cerr << s.message() << "\n";
    exit_code_ = 2;
    return false;
  }
  if (loader_.HelpRequested()) {
    exit_code_ = 0;
    return false;
  }
  const std::vector<std::string>& positional = loader_.Positional();
  if (positional.size() != 1 ||
      std::find(commands_.begin(), commands_.end(), positional[0]) == commands_.end()) {
    std::cerr << name_ << ": say " << absl::StrJoin(commands_, ", ")
              << " (--help lists the options)\n";
    exit_code_ = 2;
    return false;
  }
  command_ = positional[0];
  // A log line per call would measure the logger.
  log::Init(name_, log::Level::kWarn);
  return true;
}

int Program::Exit(const absl::Status& status, int code) const {
  if (status.ok()) return 0;
  std::cerr << name_ << ": " << status.message() << "\n";
  return code;
}

absl::StatusOr<bool> NeedsFilling(pg::Pool& pool, absl::string_view table, int64_t rows) {
  const pg::Statement count{absl::StrCat("SELECT count(*) FROM ", table)};
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool.Exec(count));
  const int64_t existing = r.GetInt64(0, 0);
  if (existing >= rows) {
    std::fprintf(stderr, "%s already holds %lld rows\n", std::string(table).c_str(),
                 static_cast<long long>(existing));
    return false;
  }
  if (existing > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(table, " holds ", existing, " rows, fewer than the ", rows,
                     " wanted: give an empty database or one with at least that many"));
  }
  return true;
}

absl::Status SeedDatabase(const std::string& dsn, const std::vector<pg::Migration>& migrations,
                          absl::string_view table, int64_t rows,
                          const std::function<absl::Status(pg::Pool&)>& fill) {
  COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool,
                           pg::Pool::Create({.dsn = dsn, .size = 8}));
  COOPNET_RETURN_IF_ERROR(pg::Migrate(*pool, migrations));
  COOPNET_ASSIGN_OR_RETURN(bool empty, NeedsFilling(*pool, table, rows));
  if (!empty) return absl::OkStatus();
  COOPNET_RETURN_IF_ERROR(fill(*pool));
  return pool->Run([&](pg::Session& session) -> absl::Status {
    COOPNET_RETURN_IF_ERROR(session.ExecScript("DELETE FROM outbox"));
    return session.ExecScript(absl::StrCat("VACUUM ANALYZE ", table));
  });
}

absl::Status MakeInParallel(int count, int threads, absl::string_view what,
                            const std::function<absl::Status(int)>& make) {
  const absl::Time begin = absl::Now();
  const int tenth = std::max(1, count / 10);
  std::atomic<int> next{0};
  absl::Mutex mu;
  absl::Status first_failure;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        absl::Status made = make(i);
        absl::MutexLock lock(&mu);
        if (!made.ok() && first_failure.ok()) first_failure = made;
        if (!first_failure.ok()) return;
        if ((i + 1) % tenth == 0) {
          std::fprintf(stderr, "%d of %d %s in %.0f s\n", i + 1, count, std::string(what).c_str(),
                       absl::ToDoubleSeconds(absl::Now() - begin));
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return first_failure;
}

}  // namespace coopnet::loadgen
