#include "services/gateway/reflection.h"

#include <memory>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::Message;

// A reflection request or response, through the messages libgrpc++_reflection registers.
std::unique_ptr<Message> New(const char* type) {
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
}

std::unique_ptr<Message> Ask(const Reflection& reflection, const char* field,
                             const std::string& value) {
  std::unique_ptr<Message> request = New("grpc.reflection.v1alpha.ServerReflectionRequest");
  request->GetReflection()->SetString(request.get(),
                                      request->GetDescriptor()->FindFieldByName(field), value);
  absl::StatusOr<std::string> answer = reflection.Answer(request->SerializeAsString());
  EXPECT_TRUE(answer.ok()) << answer.status();
  std::unique_ptr<Message> response = New("grpc.reflection.v1alpha.ServerReflectionResponse");
  EXPECT_TRUE(response->ParseFromString(answer.value_or("")));
  return response;
}

const Message& Part(const Message& message, const char* field) {
  return message.GetReflection()->GetMessage(message,
                                             message.GetDescriptor()->FindFieldByName(field));
}

TEST(Reflection, ListsTheServicesBehindTheGateway) {
  auto reflection = Reflection::Create({"coopnet.events.v1.EventService"});
  ASSERT_TRUE(reflection.ok()) << reflection.status();
  auto response = Ask(*reflection, "list_services", "*");
  const Message& list = Part(*response, "list_services_response");
  std::vector<std::string> names;
  const auto* service_field = list.GetDescriptor()->FindFieldByName("service");
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field); ++i) {
    const Message& service = list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    names.push_back(service.GetReflection()->GetString(
        service, service.GetDescriptor()->FindFieldByName("name")));
  }
  EXPECT_THAT(names,
              ::testing::ElementsAre("coopnet.events.v1.EventService", "grpc.health.v1.Health",
                                     "grpc.reflection.v1alpha.ServerReflection"));
}

TEST(Reflection, AnswersASymbolWithItsFileAndDependencies) {
  auto reflection = Reflection::Create({});
  ASSERT_TRUE(reflection.ok());
  auto response = Ask(*reflection, "file_containing_symbol", "coopnet.events.v1.EventService");
  const Message& files = Part(*response, "file_descriptor_response");
  const auto* field = files.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  ASSERT_GT(files.GetReflection()->FieldSize(files, field), 3);
  google::protobuf::FileDescriptorProto first;
  ASSERT_TRUE(first.ParseFromString(files.GetReflection()->GetRepeatedString(files, field, 0)));
  EXPECT_EQ(first.name(), "coopnet/events/v1/events.proto");
  EXPECT_EQ(first.service(0).name(), "EventService");
}

TEST(Reflection, SaysNotFoundForAnUnknownSymbol) {
  auto reflection = Reflection::Create({});
  ASSERT_TRUE(reflection.ok());
  auto response = Ask(*reflection, "file_containing_symbol", "coopnet.nothing.v1.Nothing");
  const Message& error = Part(*response, "error_response");
  EXPECT_EQ(
      error.GetReflection()->GetInt32(error, error.GetDescriptor()->FindFieldByName("error_code")),
      5);
}

TEST(Reflection, AnswersBothVersionsOfTheMethod) {
  EXPECT_TRUE(
      Reflection::Handles("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_TRUE(Reflection::Handles("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(Reflection::Handles("/coopnet.events.v1.EventService/GetEvent"));
}

}  // namespace
}  // namespace coopnet::gateway
