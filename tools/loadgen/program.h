// coopnet::loadgen::Program — what the benchmark programs' main()s share: the options
// loaded, one command chosen among the program's, failures said the same way, and
// generated data made once, in parallel.
//
//   loadgen::Program program("eventbench", {"seed", "get", "list"});
//   const std::string& dsn = program.options().String("pg_dsn", "", "...");
//   if (!program.Start(argc, argv)) return program.exit_code();
//   if (program.command() == "seed") return program.Exit(Seed(dsn));
#ifndef COOPNET_TOOLS_LOADGEN_PROGRAM_H_
#define COOPNET_TOOLS_LOADGEN_PROGRAM_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/config.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"

namespace coopnet::loadgen {

class Program {
 public:
  Program(std::string name, std::vector<std::string> commands);

  // Where the program declares its options, before Start.
  config::Loader& options() { return loader_; }

  // Loads the options (log lines below warnings off) and takes the command: true when
  // the program goes on with command(); otherwise it should return exit_code() (0 after
  // --help, 2 after a bad option or command, said on stderr).
  bool Start(int argc, char** argv);
  const std::string& command() const { return command_; }
  int exit_code() const { return exit_code_; }

  // 0 for OK; otherwise says `status` on stderr after the program's name and returns
  // `code`.
  int Exit(const absl::Status& status, int code = 1) const;

 private:
  const std::string name_;
  const std::vector<std::string> commands_;
  config::Loader loader_;
  std::string command_;
  int exit_code_ = 0;
};

// Whether `table` of `pool`'s database must be filled up to `rows`: false when it holds
// as many already (said on stderr), FAILED_PRECONDITION when it holds some but fewer.
absl::StatusOr<bool> NeedsFilling(pg::Pool& pool, absl::string_view table, int64_t rows);

// Readies the database at `dsn` for a benchmark: migrates it with `migrations` and,
// unless `table` holds `rows` already (NeedsFilling), has `fill` make them through a pool
// of eight connections; then drops what filling wrote to the outbox (the rows were
// there before the services started: nobody is told of their making) and analyses
// `table`.
absl::Status SeedDatabase(const std::string& dsn, const std::vector<pg::Migration>& migrations,
                          absl::string_view table, int64_t rows,
                          const std::function<absl::Status(pg::Pool&)>& fill);

// Calls `make(i)` for every i below `count` from `threads` threads, saying on stderr how
// many `what` were made at every tenth; the first failure stops the rest and is returned.
absl::Status MakeInParallel(int count, int threads, absl::string_view what,
                            const std::function<absl::Status(int)>& make);

}  // namespace coopnet::loadgen

#endif  // COOPNET_TOOLS_LOADGEN_PROGRAM_H_
