// The events of the documents coopnet was born from, as test data: the Copenhagen info
// meeting of 13 October 2022, the Hordaland municipalities' network meetings of 2018,
// the Kuyavia-Pomerania forum, the inspiration day in Örebro and the study visit to
// Finland. Places and times are the documents' own where they give them; where they
// only say "June" or "autumn", a plausible day stands in.
#ifndef COOPNET_TESTS_HARNESS_EVENT_SEEDS_H_
#define COOPNET_TESTS_HARNESS_EVENT_SEEDS_H_

#include <string>
#include <vector>

#include "coopnet/events/v1/events.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace coopnet::testing::seeds {

using events::v1::Event;

// `local` ("2022-10-13 16:30") in the IANA zone `zone`, as a Timestamp.
google::protobuf::Timestamp LocalTime(const std::string& local, const std::string& zone);

// NGO Netværk for Internationalt Projektarbejde's info and debate meeting: Thursday 13
// October 2022, 16:30-18:30 Europe/Copenhagen, Kofoeds Skole, Nyrnberggade 1, 2300
// København S, in the Scherfig hall. A DRAFT to create, organised by `organiser`.
Event CopenhagenInfoMeeting(const std::string& organiser);

// The three meetings of the Hordaland network of 2018 (`network`, `series`), organised
// by the county (`organiser`): 7 March 10:00-13:30 at Fylkeshuset in Bergen, a June
// meeting, and the application-writing workshop in the autumn. NETWORK visibility.
std::vector<Event> HordalandNetworkMeetings(const std::string& organiser,
                                            const std::string& network, const std::string& series);

// The first Regional Forum of International Cooperation of Kuyavia-Pomerania (Toruń,
// 2014).
Event KujawyPomorzeForum(const std::string& organiser);

// Region Örebro län's inspiration day on international cooperation for culture (2022).
Event OrebroInspirationDay(const std::string& organiser);

// The study visit to Finland paid by an Erasmus+ mobility grant (`award`), spring 2023.
Event FinlandStudyVisit(const std::string& organiser, const std::string& award);

}  // namespace coopnet::testing::seeds

#endif  // COOPNET_TESTS_HARNESS_EVENT_SEEDS_H_
