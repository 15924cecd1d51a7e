#include "services/gateway/api_comments.h"

#include "coopnet/events/v1/events.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace coopnet::gateway {
namespace {

using ::testing::StartsWith;

TEST(ApiComments, FindsTheCommentsOfWhatTheCompiledDescriptorsName) {
  const ApiComments& comments = ApiComments::Embedded();
  const google::protobuf::Descriptor& event = *events::v1::Event::descriptor();
  const google::protobuf::ServiceDescriptor& service =
      *event.file()->FindServiceByName("EventService");
  EXPECT_THAT(comments.Of(service), StartsWith("What happens where and when: "));
  EXPECT_THAT(comments.Of(*service.FindMethodByName("GetEvent")), StartsWith("One event by name."));
  // Without the `//` and the space after them, lines kept.
  EXPECT_EQ(comments.Of(event),
            "Something that happens at a time and a place (or online): the Copenhagen info\n"
            "meeting of 13 October 2022, 16:30-18:30 Europe/Copenhagen at Kofoeds Skole.");
  EXPECT_EQ(comments.Of(*event.FindFieldByName("name")), "`events/{id}`. Output only.");
  EXPECT_EQ(comments.Of(*events::v1::Event::Visibility_descriptor()), "Who sees the event.");
  EXPECT_EQ(comments.Of(*events::v1::Event::Visibility_descriptor()->FindValueByName("UNLISTED")),
            "Everybody who knows its name; never listed.");
  // Other packages' files are there too.
  EXPECT_THAT(comments.Of(*organisations::v1::Organisation::descriptor()),
              StartsWith("An organisation that cooperates"));
}

TEST(ApiComments, ElementsWithoutACommentHaveNone) {
  const ApiComments& comments = ApiComments::Embedded();
  const google::protobuf::Descriptor& event = *events::v1::Event::descriptor();
  EXPECT_EQ(comments.Of(*event.FindFieldByName("create_time")), "");
  EXPECT_EQ(comments.Of(*events::v1::Event::AttendanceMode_descriptor()), "");
  EXPECT_EQ(comments.Of(*events::v1::Event::AttendanceMode_descriptor()->FindValueByName("ONLINE")),
            "");
}

TEST(ApiComments, AFieldDeclaredRightUnderAnotherSharesItsComment) {
  const ApiComments& comments = ApiComments::Embedded();
  const google::protobuf::Descriptor& event = *events::v1::Event::descriptor();
  EXPECT_EQ(comments.OfGroup(*event.FindFieldByName("create_time")), "Output only.");
  EXPECT_EQ(comments.OfGroup(*event.FindFieldByName("update_time")), "Output only.");
  EXPECT_EQ(comments.OfGroup(*event.FindFieldByName("end_time")),
            "When it starts and ends; end after start. Required.");
  EXPECT_EQ(comments.OfGroup(*event.FindFieldByName("title")),
            comments.Of(*event.FindFieldByName("title")));
  // A blank line ends the group: the venue's location is not its address.
  const google::protobuf::Descriptor& venue = *events::v1::Venue::descriptor();
  EXPECT_EQ(comments.OfGroup(*venue.FindFieldByName("location")), "");
}

}  // namespace
}  // namespace coopnet::gateway
