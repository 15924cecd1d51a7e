// The HTTP transport when the process runs out of file descriptors: accepting must pause
// rather than spin, and resume once descriptors are back.
#include "services/gateway/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"

namespace coopnet::gateway {
namespace {

int Connect(int port, int fd = socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  return fd;
}

// What came back on `fd` within `timeout`.
std::string Answer(int fd, absl::Duration timeout) {
  pollfd wait{fd, POLLIN, 0};
  if (poll(&wait, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) return "";
  char buffer[512];
  const ssize_t read = recv(fd, buffer, sizeof(buffer), 0);
  return read > 0 ? std::string(buffer, static_cast<size_t>(read)) : "";
}

absl::Duration ProcessCpuTime() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

TEST(HttpServer, PausesAcceptingWhileOutOfFileDescriptors) {
  HttpServer server({.listen_address = "127.0.0.1:0", .threads = 1},
                    [](std::shared_ptr<HttpExchange> exchange) {
                      exchange->Respond({200, {{"Content-Type", "text/plain"}}, "hi"});
                    });
  ASSERT_TRUE(server.Start().ok());
  // The clients' sockets first, while descriptors are there; then none is left for the
  // server when they connect.
  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(socket(AF_INET, SOCK_STREAM, 0));
  rlimit before;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  const int highest = dup(0);
  close(highest);
  rlimit scarce = before;
  scarce.rlim_cur = static_cast<rlim_t>(highest);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &scarce), 0);
  for (int fd : clients) Connect(server.port(), fd);

  const absl::Duration cpu_before = ProcessCpuTime();
  absl::SleepFor(absl::Seconds(1));
  const absl::Duration spent = ProcessCpuTime() - cpu_before;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);
  // A loop retrying accept at once would take a whole core.
  EXPECT_LT(spent, absl::Milliseconds(200));

  // Descriptors are back: the waiting clients are served.
  for (int fd : clients) {
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    EXPECT_TRUE(absl::StartsWith(Answer(fd, absl::Seconds(5)), "HTTP/1.1 200"));
    close(fd);
  }
  server.Stop();
}

TEST(HttpServer, ClosesConnectionsBeyondItsCapAtOnce) {
  HttpServer server(
      {.listen_address = "127.0.0.1:0", .threads = 1, .limits = {.max_connections = 2}},
      [](std::shared_ptr<HttpExchange> exchange) {
        exchange->Respond({200, {{"Content-Type", "text/plain"}}, "hi"});
      });
  ASSERT_TRUE(server.Start().ok());
  const int first = Connect(server.port());
  const int second = Connect(server.port());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (server.open_connections() < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const int third = Connect(server.port());
  char byte;
  pollfd wait{third, POLLIN, 0};
  ASSERT_EQ(poll(&wait, 1, 2000), 1);
  EXPECT_EQ(recv(third, &byte, 1, 0), 0) << "the connection over the cap stayed open";
  EXPECT_EQ(server.open_connections(), 2);
  for (int fd : {first, second, third}) close(fd);
  server.Stop();
}

}  // namespace
}  // namespace coopnet::gateway
