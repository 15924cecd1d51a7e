// bench-echo: the echo EventService as a process of its own, for tools/bench to measure
// beside the events service and to put a gateway in front of. It answers GetEvent with
// the event in --event_json (proto3 JSON, as the gateway's HTTP answer has it) and
// health with SERVING, on gRPC's own threads, and does nothing else. SIGTERM or SIGINT
// stops it.
//
//   bench-echo --address=127.0.0.1:50060 --event_json=event.json
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/config/config.h"
#include "common/server/health.h"
#include "google/protobuf/util/json_util.h"
#include "tools/loadgen/echo_event_service.h"

extern char** environ;

int main(int argc, char** argv) {
  using namespace coopnet;
  config::Loader loader("bench-echo");
  const std::string& address = loader.String("address", config::kRequired, "gRPC listen address");
  const std::string& event_json =
      loader.String("event_json", config::kRequired, "file with the event to answer, as JSON");
  if (absl::Status s = loader.Load(argc, argv, environ); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  if (loader.HelpRequested()) return 0;
  std::stringstream json;
  json << std::ifstream(event_json).rdbuf();
  events::v1::Event event;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(json.str(), &event, lenient).ok()) {
    std::cerr << "bench-echo: " << event_json << " holds no event\n";
    return 2;
  }

  // Blocked before gRPC starts its threads, so that only sigwait below sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  loadgen::EchoEventService echo(event);
  server::HealthService health({});
  health.SetServing(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.RegisterService(&echo);
  builder.RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << "bench-echo: cannot listen on " << address << "\n";
    return 1;
  }
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  health.Shutdown();
  server->Shutdown();
  return 0;
}
