// The e-mail templates, compiled in from services/notifications/templates by
// embed_templates.cmake: the binary needs no files beside it.
#ifndef COOPNET_SERVICES_NOTIFICATIONS_TEMPLATES_DATA_H_
#define COOPNET_SERVICES_NOTIFICATIONS_TEMPLATES_DATA_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace coopnet::notifications {

struct TemplateFile {
  // `<message>/<language>`: `confirmed/pl`.
  absl::string_view name;
  absl::string_view text;
};

// Every template, in no particular order.
const std::vector<TemplateFile>& TemplateFiles();

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_TEMPLATES_DATA_H_
