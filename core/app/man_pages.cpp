// Writes conventiond's man pages at build time, from the sources of what they document, so
// that they cannot drift:
//   man_pages cli OUT               conventiond(1), from the command list of commands.hpp
//                                   (the same list `conventiond --help` prints)
//   man_pages config MARKDOWN OUT   conventiond.toml(5), from docs/configuration.md: its
//                                   headings, paragraphs, lists and tables of keys
// Not installed; built and run by core/CMakeLists.txt.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"

namespace {

using conventiond::app::CommandDoc;
using conventiond::app::kCommands;

// Text for roff: backslashes escaped, non-ASCII characters as \[uXXXX] (so that groff reads
// the page whatever its input encoding), and a line starting with '.' or '\'' protected.
std::string roff_text(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // UTF-8 → code point.
      int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
      unsigned cp = c & (0x3Fu >> extra);
      for (; extra > 0 && i + 1 < in.size(); --extra) {
        cp = (cp << 6) | (static_cast<unsigned char>(in[++i]) & 0x3Fu);
      }
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\[u%04X]", cp);
      out += buf;
    }
  }
  return out;
}

// Markdown inline markup → roff fonts: `code` and **strong** bold, *emphasis* italic,
// [text](url) → text.
std::string inline_markup(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] == '`') {
      const std::size_t end = in.find('`', i + 1);
      if (end != std::string_view::npos) {
        out += "\\fB" + roff_text(in.substr(i + 1, end - i - 1)) + "\\fR";
        i = end + 1;
        continue;
      }
    }
    if (in.substr(i, 2) == "**") {
      const std::size_t end = in.find("**", i + 2);
      if (end != std::string_view::npos) {
        out += "\\fB" + inline_markup(in.substr(i + 2, end - i - 2)) + "\\fR";
        i = end + 2;
        continue;
      }
    }
    if (in[i] == '*' && i + 1 < in.size() && in[i + 1] != ' ') {
      const std::size_t end = in.find('*', i + 1);
      if (end != std::string_view::npos) {
        out += "\\fI" + inline_markup(in.substr(i + 1, end - i - 1)) + "\\fR";
        i = end + 1;
        continue;
      }
    }
    if (in[i] == '[') {
      const std::size_t close = in.find("](", i);
      const std::size_t end = close == std::string_view::npos ? close : in.find(')', close);
      if (end != std::string_view::npos && in.substr(i, close - i).find('\n') == std::string_view::npos) {
        out += inline_markup(in.substr(i + 1, close - i - 1));
        i = end + 1;
        continue;
      }
    }
    std::size_t next = i + 1;
    while (next < in.size() && in[next] != '`' && in[next] != '*' && in[next] != '[') ++next;
    out += roff_text(in.substr(i, next - i));
    i = next;
  }
  return out;
}

// A line of running text: never starting with a control character.
std::string text_line(const std::string& roff) {
  if (!roff.empty() && (roff[0] == '.' || roff[0] == '\'')) return "\\&" + roff;
  return roff;
}

std::string trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const std::size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::string title_header(std::string_view name, int section, std::string_view title) {
  return ".TH " + std::string(name) + " " + std::to_string(section) + " \"\" \"conventiond " +
         CONVENTIOND_VERSION + "\" \"" + std::string(title) + "\"\n";
}

std::string cli_page() {
  std::ostringstream o;
  o << title_header("CONVENTIOND", 1, "conventiond manual");
  o << ".SH NAME\nconventiond \\- harvests, extracts, merges and publishes the French "
       "anti\\-poverty conventions\n";
  o << ".SH SYNOPSIS\n.B conventiond\n.I COMMAND\n.RI [ ARGS ]\n";
  o << ".SH DESCRIPTION\n"
       "conventiond harvests the press releases, convention texts and open data about the "
       "conventions d'appui \\[u00E0] la lutte contre la pauvret\\[u00E9] et d'acc\\[u00E8]s "
       "\\[u00E0] l'emploi signed by the State and each d\\[u00E9]partement, extracts their "
       "facts, merges them into one record per convention and publishes them through an HTTP "
       "API, webhooks and sink plugins. Connectors and sinks are plugins.\n"
       ".PP\nEach command prints its own options with \\fB\\-\\-help\\fR.\n";
  o << ".SH COMMANDS\n";
  for (const CommandDoc& c : kCommands) {
    if (c.internal) continue;
    o << ".TP\n\\fBconventiond " << roff_text(c.name) << "\\fR";
    if (!c.arguments.empty()) o << " " << roff_text(c.arguments);
    o << "\n" << text_line(roff_text(c.description)) << "\n";
  }
  o << ".SS Internal commands\nStarted by conventiond itself, not by hand:\n";
  for (const CommandDoc& c : kCommands) {
    if (!c.internal) continue;
    o << ".TP\n\\fBconventiond " << roff_text(c.name) << "\\fR " << roff_text(c.arguments)
      << "\n" << text_line(roff_text(c.description)) << "\n";
  }
  o << ".SH FILES\n"
       ".TP\n.I /etc/conventiond/conventiond.toml\nThe configuration "
       "(\\fBconventiond.toml\\fR(5)), read by \\fBserve\\fR and \\fBrun\\fR without "
       "\\fB\\-\\-config\\fR.\n"
       ".TP\n.I /usr/lib/conventiond/plugins\nThe shipped plugins, found relative to the "
       "executable (\\fIPREFIX\\fR/lib/conventiond/plugins); \\fB[plugins] dirs\\fR adds "
       "directories.\n"
       ".TP\n.I /usr/lib/conventiond/libconventiond_cli.so\nThe command library the executable "
       "loads for every command but \\fBextract\\fR of a local file.\n"
       ".TP\n.I /var/lib/conventiond\nThe state directory of the packaged service (the SQLite "
       "store).\n"
       ".TP\n.I /lib/systemd/system/conventiond.service\nThe systemd unit.\n";
  o << ".SH ENVIRONMENT\n"
       ".TP\n.B NOTIFY_SOCKET\nset by systemd for a Type=notify service: \\fBserve\\fR sends "
       "READY=1, RELOADING=1, STOPPING=1 and watchdog pings there.\n"
       ".TP\n.B WATCHDOG_USEC\nthe watchdog period; \\fBserve\\fR pings at half of it.\n"
       ".TP\n.B CONVENTIOND_SECRET_KEY\nkeys sealing webhook secrets at rest.\n"
       ".TP\n.B PGPASSWORD\nthe password of a postgresql:// store.\n";
  o << ".SH SIGNALS\n"
       ".TP\n.B SIGTERM, SIGINT\n\\fBserve\\fR stops gracefully: no new run, running runs get "
       "the shutdown grace, the API drains.\n"
       ".TP\n.B SIGHUP\n\\fBserve\\fR reads its config again and replaces its jobs; an invalid "
       "config is logged and the old one kept.\n";
  o << ".SH EXIT STATUS\n0 success, 1 failure, 2 usage or invalid config.\n";
  o << ".SH SEE ALSO\n\\fBconventiond.toml\\fR(5), \\fBsystemctl\\fR(1), "
       "\\fBsystemd.service\\fR(5)\n";
  return o.str();
}

std::vector<std::string> table_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool code = false;
  for (std::size_t i = 1; i < line.size(); ++i) {  // past the leading '|'
    const char c = line[i];
    if (c == '`') code = !code;
    if (c == '|' && !code) {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  return cells;
}

// A markdown table: one .TP entry per row, the first cell as the tag with the other short
// cells in parentheses, the `meaning` column (or the last) as the text.
void write_table(const std::vector<std::string>& rows, std::ostream& o) {
  if (rows.size() < 2) return;
  const std::vector<std::string> header = table_cells(rows[0]);
  std::size_t body = header.size() - 1;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == "meaning") body = c;
  }
  for (std::size_t r = 2; r < rows.size(); ++r) {
    const std::vector<std::string> cells = table_cells(rows[r]);
    if (cells.empty()) continue;
    std::string tag = inline_markup(cells[0]);
    std::string details;
    for (std::size_t c = 1; c < cells.size() && c < header.size(); ++c) {
      if (c == body || cells[c].empty()) continue;
      details += (details.empty() ? "" : ", ") + roff_text(header[c]) + " " + inline_markup(cells[c]);
    }
    if (!details.empty()) tag += " (" + details + ")";
    o << ".TP\n" << text_line(tag) << "\n";
    const std::string text = body < cells.size() ? cells[body] : std::string();
    o << text_line(text.empty() ? std::string("\\(em") : inline_markup(text)) << "\n";
  }
}

std::string config_page(const std::string& markdown) {
  std::ostringstream o;
  o << title_header("CONVENTIOND.TOML", 5, "conventiond manual");
  o << ".SH NAME\nconventiond.toml \\- the configuration file of conventiond\n";
  o << ".SH SYNOPSIS\n/etc/conventiond/conventiond.toml\n";
  std::istringstream in(markdown);
  std::string line;
  std::vector<std::string> table;
  std::string paragraph;
  bool in_code = false;
  bool seen_title = false;
  bool in_list = false;
  const auto flush_paragraph = [&] {
    if (!paragraph.empty()) o << (in_list ? "" : ".PP\n") << text_line(inline_markup(paragraph)) << "\n";
    paragraph.clear();
  };
  const auto flush_table = [&] {
    if (!table.empty()) write_table(table, o);
    table.clear();
  };
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      flush_paragraph();
      o << (in_code ? ".fi\n.RE\n" : ".RS\n.nf\n");
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      o << text_line(roff_text(line)) << "\n";
      continue;
    }
    if (!line.empty() && line[0] == '|') {
      flush_paragraph();
      table.push_back(line);
      continue;
    }
    flush_table();
    const std::string t = trim(line);
    if (t.empty()) {
      flush_paragraph();
      in_list = false;
      continue;
    }
    if (line.rfind("# ", 0) == 0) {  // the page's title: its text follows as DESCRIPTION
      flush_paragraph();
      if (!seen_title) o << ".SH DESCRIPTION\n";
      seen_title = true;
      continue;
    }
    if (line.rfind("## ", 0) == 0 || line.rfind("### ", 0) == 0) {
      flush_paragraph();
      in_list = false;
      const bool sub = line.rfind("### ", 0) == 0;
      o << (sub ? ".SS " : ".SH ") << "\"" << inline_markup(trim(line.substr(sub ? 4 : 3)))
        << "\"\n";
      continue;
    }
    // A list item: "- text" or "1. text"; its continuation lines are indented.
    std::size_t digits = 0;
    while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
    const bool bullet = t.rfind("- ", 0) == 0 && line[0] != ' ';
    const bool numbered = digits > 0 && t.compare(digits, 2, ". ") == 0 && line[0] != ' ';
    if (bullet || numbered) {
      flush_paragraph();
      o << ".IP " << (bullet ? std::string("\\(bu") : t.substr(0, digits + 1)) << " 4\n";
      in_list = true;
      paragraph = t.substr(bullet ? 2 : digits + 2);
      continue;
    }
    paragraph += (paragraph.empty() ? "" : " ") + t;
  }
  flush_paragraph();
  flush_table();
  o << ".SH SEE ALSO\n\\fBconventiond\\fR(1)\n";
  return o.str();
}

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "cli") return write(args[1], cli_page()) ? 0 : 1;
  if (args.size() == 3 && args[0] == "config") {
    std::ifstream in(args[1], std::ios::binary);
    std::stringstream md;
    md << in.rdbuf();
    if (!in) {
      std::cerr << "man_pages: cannot read " << args[1] << "\n";
      return 1;
    }
    return write(args[2], config_page(md.str())) ? 0 : 1;
  }
  std::cerr << "usage: man_pages cli OUT | man_pages config MARKDOWN OUT\n";
  return 2;
}
