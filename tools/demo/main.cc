// coopnet-demo — fills a running coopnet with the organisations, networks, events,
// series, programmes, calls and awards of its users' world (Copenhagen, Toruń, Bergen,
// Örebro), through the gateway as any integrator would.
//
//   COOPNET_API_KEY=<admin key> coopnet-demo 127.0.0.1:50050 [SCRIPT.json]
//
// Without SCRIPT it loads the demo built into the binary (tools/demo/demo.json); every
// step carries a request_id, so a second run returns what the first made. Participants
// are fictional (example.org).
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "tools/cli/call.h"
#include "tools/demo/script.h"

namespace coopnet::demo {
extern const char kDemoScript[];
}  // namespace coopnet::demo

namespace {

using coopnet::demo::Answers;

int Load(const std::string& address, const std::string& text) {
  absl::StatusOr<coopnet::demo::Script> script = coopnet::demo::ParseScript(text);
  if (!script.ok()) {
    std::cerr << script.status().message() << "\n";
    return 2;
  }
  auto channel = coopnet::cli::Connect(address);
  const absl::Time load_time = absl::Now();
  Answers answers;
  for (size_t i = 0; i < script->steps.size(); ++i) {
    const coopnet::demo::Step& step = script->steps[i];
    const std::string where =
        "step " + std::to_string(i + 1) + (step.as.empty() ? "" : " (" + step.as + ")");
    absl::StatusOr<std::string> request = coopnet::demo::Render(step.request, answers, load_time);
    if (!request.ok()) {
      std::cerr << where << ": " << request.status().message() << "\n";
      return 2;
    }
    const auto result = coopnet::cli::CallJson(*channel, step.call, *request);
    if (!result.status.ok()) {
      std::cerr << where << " " << step.call << ": " << coopnet::cli::DescribeError(result.status);
      return 1;
    }
    if (step.as.empty()) continue;
    absl::StatusOr<google::protobuf::Value> answer = coopnet::demo::ParseAnswer(result.json);
    if (!answer.ok()) {
      std::cerr << where << ": " << answer.status().message() << "\n";
      return 1;
    }
    const auto& fields = answer->struct_value().fields();
    const auto name = fields.find("name");
    std::cout << step.as << "\t" << (name == fields.end() ? "" : name->second.string_value())
              << "\n";
    answers[step.as] = *std::move(answer);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: COOPNET_API_KEY=<key> coopnet-demo GATEWAY_ADDRESS [SCRIPT.json]\n";
    return 2;
  }
  std::string text = coopnet::demo::kDemoScript;
  if (argc == 3) {
    std::ifstream in(argv[2]);
    if (!in) {
      std::cerr << "cannot read " << argv[2] << "\n";
      return 2;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  return Load(argv[1], text);
}
