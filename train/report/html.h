// The report page: one self-contained HTML file with Debian's dygraphs (curves) and D3 3.5
// (scorecard scatters) inlined from /usr/share/javascript, the runs' figures as one JSON
// block, and the page's own script (page_script.h), which draws with those libraries and
// then writes a self-check into the page (#selfcheck) that the browser test reads.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace minnow::report {

inline constexpr std::string_view kJavascriptRoot = "/usr/share/javascript";

// The inlined libraries' text.
struct Assets {
  std::string dygraph_js, dygraph_css, d3_js;
};

// Reads dygraphs/dygraph.min.{js,css} and d3/d3.min.js under root; a missing file is one
// error naming its path and the Debian package that installs it.
Assets load_assets(std::string_view root = kJavascriptRoot);

// text made safe to sit inside a <script> or <style> element: every "</" + tag (any case)
// becomes "<\/" + tag, and "<!--" becomes "<\!--"; both mean the same inside JS strings, regular
// expressions and CSS.
std::string escape_inline(std::string_view text, std::string_view tag);

// The whole page. report is {"title": ..., "runs": [to_json(run), ...]}.
std::string render_page(const nlohmann::json& report, const Assets& assets);

}  // namespace minnow::report
