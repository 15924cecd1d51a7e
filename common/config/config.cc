#include "common/config/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

namespace coopnet::config {
namespace internal {

using OptionValue = std::variant<std::string, int64_t, absl::Duration, bool>;

struct Option {
  std::string name;      // snake_case
  std::string env_name;  // COOPNET_<NAME>
  std::string help;
  bool required = false;
  bool secret = false;
  OptionValue default_value;
  OptionValue value;
  bool set = false;  // by a flag or the environment in the current Load()
};

}  // namespace internal
namespace {

using internal::Option;
using internal::OptionValue;

constexpr absl::string_view kEnvPrefix = "COOPNET_";
constexpr absl::string_view kFileSuffix = "_FILE";
constexpr absl::string_view kMasked = "***";

std::string FileVariable(const Option& option) {
  return absl::StrCat(option.env_name, kFileSuffix);
}

// The content of the file at `path` less its trailing line ends (`echo` and editors add
// one; no secret ends with one), or why it cannot be read. The error names the path,
// never what was read.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string FlagName(const Option& option) { return absl::StrCat("--", option.name); }

std::string NormalizeName(absl::string_view name) {
  return absl::StrReplaceAll(name, {{"-", "_"}});
}

bool IsValidName(absl::string_view name) {
  if (name.empty() || !absl::ascii_islower(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

// The value as an operator would type it; secrets never leave as more than `***`.
std::string Display(const Option& option, const OptionValue& value) {
  return std::visit(
      [&option](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (v.empty()) return "\"\"";
          return option.secret ? std::string(kMasked) : v;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return absl::StrCat(v);
        } else if constexpr (std::is_same_v<T, absl::Duration>) {
          return absl::FormatDuration(v);
        } else {
          return v ? "true" : "false";
        }
      },
      value);
}

// Parses `text` into `option.value`, or says what form was expected.
std::optional<std::string> Parse(Option& option, absl::string_view text) {
  return std::visit(
      [text](auto& v) -> std::optional<std::string> {
        using T = std::decay_t<decltype(v)>;
        // Secrets are strings, which always parse, so quoting the input leaks nothing.
        const std::string got = absl::StrCat(", got \"", absl::CHexEscape(text), "\"");
        if constexpr (std::is_same_v<T, std::string>) {
          v = std::string(text);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          int64_t n;
          if (!absl::SimpleAtoi(text, &n)) return absl::StrCat("must be an integer", got);
          v = n;
        } else if constexpr (std::is_same_v<T, absl::Duration>) {
          absl::Duration d;
          if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
            return absl::StrCat("must be a duration such as 20s, 500ms or 1m30s", got);
          }
          v = d;
        } else {
          bool b;
          if (!absl::SimpleAtob(text, &b)) return absl::StrCat("must be true or false", got);
          v = b;
        }
        return std::nullopt;
      },
      option.value);
}

bool IsEmpty(const OptionValue& value) {
  const std::string* s = std::get_if<std::string>(&value);
  return s != nullptr && s->empty();
}

std::string MarkdownCell(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}});
}

}  // namespace

Loader::Loader(absl::string_view program, absl::string_view args_usage)
    : program_(program), args_usage_(args_usage) {}

Loader::~Loader() = default;

internal::Option& Loader::Declare(absl::string_view name, absl::string_view help) {
  auto option = std::make_unique<Option>();
  option->name = NormalizeName(name);
  option->env_name = absl::StrCat(kEnvPrefix, absl::AsciiStrToUpper(option->name));
  option->help = std::string(help);
  if (!IsValidName(option->name)) {
    declaration_errors_.push_back(
        absl::StrCat("option \"", absl::CHexEscape(name), "\" is not snake_case"));
  }
  for (const auto& other : options_) {
    if (other->name == option->name) {
      declaration_errors_.push_back(absl::StrCat("option \"", name, "\" is declared twice"));
    }
  }
  options_.push_back(std::move(option));
  return *options_.back();
}

const std::string& Loader::String(absl::string_view name, absl::string_view default_value,
                                  absl::string_view help) {
  Option& option = Declare(name, help);
  option.default_value = option.value = std::string(default_value);
  return std::get<std::string>(option.value);
}

const std::string& Loader::String(absl::string_view name, Required, absl::string_view help) {
  const std::string& value = String(name, "", help);
  options_.back()->required = true;
  return value;
}

const std::string& Loader::Secret(absl::string_view name, absl::string_view default_value,
                                  absl::string_view help) {
  const std::string& value = String(name, default_value, help);
  options_.back()->secret = true;
  return value;
}

const std::string& Loader::Secret(absl::string_view name, Required, absl::string_view help) {
  const std::string& value = String(name, kRequired, help);
  options_.back()->secret = true;
  return value;
}

const int64_t& Loader::Int(absl::string_view name, int64_t default_value, absl::string_view help) {
  Option& option = Declare(name, help);
  option.default_value = option.value = default_value;
  return std::get<int64_t>(option.value);
}

const int64_t& Loader::Int(absl::string_view name, Required, absl::string_view help) {
  const int64_t& value = Int(name, 0, help);
  options_.back()->required = true;
  return value;
}

const absl::Duration& Loader::Duration(absl::string_view name, absl::Duration default_value,
                                       absl::string_view help) {
  Option& option = Declare(name, help);
  option.default_value = option.value = default_value;
  return std::get<absl::Duration>(option.value);
}

const absl::Duration& Loader::Duration(absl::string_view name, Required, absl::string_view help) {
  const absl::Duration& value = Duration(name, absl::ZeroDuration(), help);
  options_.back()->required = true;
  return value;
}

const bool& Loader::Bool(absl::string_view name, bool default_value, absl::string_view help) {
  Option& option = Declare(name, help);
  option.default_value = option.value = default_value;
  return std::get<bool>(option.value);
}

absl::Status Loader::Load(int argc, const char* const* argv, const char* const* envp) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::map<std::string, std::string> env;
  for (const char* const* entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    if (!absl::StartsWith(text, kEnvPrefix)) continue;
    const size_t eq = text.find('=');
    if (eq == absl::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return Load(args, env);
}

absl::Status Loader::Load(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  if (!declaration_errors_.empty()) {
    return absl::InternalError(absl::StrCat("config: ", absl::StrJoin(declaration_errors_, "; ")));
  }
  for (auto& option : options_) {
    // Both hold the same alternative, so this assigns in place and the references
    // handed out by String(), Int(), ... stay valid.
    option->value = option->default_value;
    option->set = false;
  }
  positional_.clear();
  help_requested_ = false;

  auto find = [this](absl::string_view name) -> Option* {
    for (auto& option : options_) {
      if (option->name == name) return option.get();
    }
    return nullptr;
  };

  std::vector<status::FieldViolation> violations;
  // Flags first, so a broken environment value that a flag replaces is not reported.
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional_.insert(positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional_.push_back(arg);
      continue;
    }
    absl::string_view body = absl::StripPrefix(absl::StripPrefix(arg, "-"), "-");
    const size_t eq = body.find('=');
    const std::string name = NormalizeName(body.substr(0, eq));
    Option* option = find(name);
    if (option == nullptr) {
      // Only the name is echoed: the value of a mistyped secret flag must not reach a log.
      violations.push_back({arg.substr(0, arg.find('=')), "is not a known flag (see --help)"});
      continue;
    }
    std::string text;
    if (eq != absl::string_view::npos) {
      text = std::string(body.substr(eq + 1));
    } else if (std::holds_alternative<bool>(option->value)) {
      text = "true";
    } else if (i + 1 < args.size()) {
      text = args[++i];
    } else {
      violations.push_back({FlagName(*option), "needs a value"});
      continue;
    }
    if (std::optional<std::string> error = Parse(*option, text)) {
      violations.push_back({FlagName(*option), std::move(*error)});
    }
    option->set = true;
  }

  auto present = [&env](const std::string& name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() || it->second.empty() ? nullptr : &it->second;
  };
  for (auto& option : options_) {
    if (option->set) continue;
    const std::string* text = present(option->env_name);
    // Kubernetes mounts Secrets as files: every secret also comes from <NAME>_FILE.
    const std::string* path = option->secret ? present(FileVariable(*option)) : nullptr;
    if (text != nullptr && path != nullptr) {
      violations.push_back({FileVariable(*option),
                            absl::StrCat("and ", option->env_name, " are both set: set one")});
      continue;
    }
    if (path != nullptr) {
      absl::StatusOr<std::string> content = ReadSecretFile(*path);
      if (!content.ok()) {
        violations.push_back({FileVariable(*option), std::string(content.status().message())});
        continue;
      }
      if (content->empty()) {
        violations.push_back({FileVariable(*option), absl::StrCat(*path, " is empty")});
        continue;
      }
      Parse(*option, *content);  // secrets are strings, which always parse
    } else if (text != nullptr) {
      if (std::optional<std::string> error = Parse(*option, *text)) {
        violations.push_back({option->env_name, std::move(*error)});
      }
    } else {
      continue;
    }
    option->set = true;
  }

  if (help_requested_) {
    std::cout << Help() << std::flush;
    return absl::OkStatus();
  }

  for (const auto& option : options_) {
    if (option->required && (!option->set || IsEmpty(option->value))) {
      const std::string file =
          option->secret ? absl::StrCat(" (or ", FileVariable(*option), ", a file holding it)")
                         : "";
      violations.push_back({option->name, absl::StrCat("is required: set ", option->env_name, file,
                                                       " or pass ", FlagName(*option))});
    }
  }
  if (violations.empty()) return absl::OkStatus();
  return status::InvalidArgument(std::move(violations));
}

std::string Loader::Describe() const {
  std::vector<std::vector<std::string>> rows = {{"Flag", "Environment", "Default", "Description"}};
  for (const auto& option : options_) {
    rows.push_back({FlagName(*option), option->env_name,
                    option->required ? "(required)" : Display(*option, option->default_value),
                    MarkdownCell(option->help)});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  auto line = [&widths](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (size_t c = 0; c < cells.size(); ++c) {
      absl::StrAppend(&out, " ", cells[c], std::string(widths[c] - cells[c].size(), ' '), " |");
    }
    return absl::StrCat(out, "\n");
  };
  std::string out = line(rows[0]);
  std::vector<std::string> rule;
  for (size_t width : widths) rule.push_back(std::string(width, '-'));
  absl::StrAppend(&out, line(rule));
  for (size_t r = 1; r < rows.size(); ++r) absl::StrAppend(&out, line(rows[r]));
  return out;
}

std::string Loader::Help() const {
  std::vector<std::string> files;
  for (const auto& option : options_) {
    if (option->secret) files.push_back(FileVariable(*option));
  }
  return absl::StrCat(
      "Usage: ", program_, " [flags]", args_usage_.empty() ? "" : " ", args_usage_,
      "\n\nEach flag can also be set by its environment variable; "
      "a flag wins over the environment.\n\n",
      Describe(),
      files.empty() ? ""
                    : absl::StrCat("\nA secret may instead be read from the file that <NAME>_FILE "
                                   "names (less trailing line ends): ",
                                   absl::StrJoin(files, ", "), ".\n"));
}

std::vector<std::pair<std::string, std::string>> Loader::Values() const {
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& option : options_) {
    values.emplace_back(option->name, Display(*option, option->value));
  }
  return values;
}

}  // namespace coopnet::config
