// Assembling the page: the libraries read from Debian's files and inlined, the data as JSON
// with every '<' escaped, the page's own script last.
#include "train/report/html.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "train/report/page_script.h"

namespace minnow::report {
namespace {

std::string read_asset(std::string_view root, const std::string& file, const char* package) {
  const std::string path = (std::filesystem::path(root) / file).string();
  std::ifstream in(path, std::ios::binary);
  MINNOW_CHECK(in.is_open(), "report: '", path, "' is missing; the report inlines it from the Debian package ",
               package, " (apt-get install ", package, ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool starts_with_nocase(std::string_view text, size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin() + static_cast<std::ptrdiff_t>(at),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON text that can sit in a <script> element: '<' only occurs inside strings, where \u003c means the same.
std::string script_json(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Assets load_assets(std::string_view root) {
  return {.dygraph_js = read_asset(root, "dygraphs/dygraph.min.js", "libjs-dygraphs"),
          .dygraph_css = read_asset(root, "dygraphs/dygraph.min.css", "libjs-dygraphs"),
          .d3_js = read_asset(root, "d3/d3.min.js", "libjs-d3")};
}

std::string escape_inline(std::string_view text, std::string_view tag) {
  const std::string closing = "</" + std::string(tag);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && starts_with_nocase(text, i, closing)) {
      out += "<\\/";
      ++i;  // the '/' is written
    } else if (text.substr(i).starts_with("<!--")) {
      out += "<\\!";
      ++i;  // the '!' is written
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string render_page(const nlohmann::json& report, const Assets& assets) {
  const std::string title = html_escape(report.value("title", std::string("minnow report")));
  std::string page;
  page.reserve(assets.dygraph_js.size() + assets.d3_js.size() + 65536);
  page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
      .append(title)
      .append("</title>\n<style>\n")
      .append(escape_inline(assets.dygraph_css, "style"))
      .append("\n</style>\n<style>")
      .append(kPageStyle)
      .append("</style>\n<script>")
      .append(kErrorCollector)
      .append("</script>\n<script>\n")
      .append(escape_inline(assets.dygraph_js, "script"))
      .append("\n</script>\n<script>\n")
      .append(escape_inline(assets.d3_js, "script"))
      .append("\n</script>\n</head>\n<body>\n<h1>")
      .append(title)
      .append("</h1>\n<div id=\"report\"></div>\n<div id=\"selfcheck\" data-done=\"false\"></div>\n")
      .append("<script type=\"application/json\" id=\"report-data\">")
      .append(script_json(report))
      .append("</script>\n<script>")
      .append(kPageScript)
      .append("</script>\n</body>\n</html>\n");
  return page;
}

}  // namespace minnow::report
