#pragma once
// A small, self-contained JSON reader and writer for plugin authors.
//
// The SDK is header-only and must not make a plugin link Boost.JSON (or any library that
// the host may carry in another version), so it brings the little JSON it needs: parsing
// what the host sends (config, responses, events) into a Value, and writing messages.
// Strict RFC 8259; parse() throws json::ParseError on bad input (the SDK turns any
// exception into an error code at the boundary).

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace conventiond::sdk::json {

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Member;

class Value {
 public:
  using Array = std::vector<Value>;
  using Object = std::vector<Member>;  // members in document order

  // Defined after Member, which must be complete first.
  Value();
  Value(std::nullptr_t);  // NOLINT
  Value(bool b);          // NOLINT
  Value(std::int64_t i);  // NOLINT
  Value(double d);        // NOLINT
  Value(std::string s);   // NOLINT
  Value(Array a);         // NOLINT
  Value(Object o);        // NOLINT

  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_integer() const { return v_.index() == 2; }
  bool is_number() const { return v_.index() == 2 || v_.index() == 3; }
  bool is_string() const { return v_.index() == 4; }
  bool is_array() const { return v_.index() == 5; }
  bool is_object() const { return v_.index() == 6; }

  // The as_* accessors throw std::bad_variant_access on a wrong type.
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_integer() const { return std::get<std::int64_t>(v_); }
  double as_number() const {
    return is_integer() ? static_cast<double>(as_integer()) : std::get<double>(v_);
  }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }

  // The member named key of an object, or nullptr (also when this is not an object).
  inline const Value* find(std::string_view key) const;

  // The string member named key, or fallback when absent or not a string.
  std::string string_or(std::string_view key, std::string fallback = {}) const {
    const Value* v = find(key);
    return v != nullptr && v->is_string() ? v->as_string() : fallback;
  }

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v_;
};

struct Member {
  std::string key;
  Value value;
};

inline Value::Value() = default;
inline Value::Value(std::nullptr_t) {}
inline Value::Value(bool b) : v_(b) {}
inline Value::Value(std::int64_t i) : v_(i) {}
inline Value::Value(double d) : v_(d) {}
inline Value::Value(std::string s) : v_(std::move(s)) {}
inline Value::Value(Array a) : v_(std::move(a)) {}
inline Value::Value(Object o) : v_(std::move(o)) {}

inline const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Member& m : as_object()) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

namespace detail {

// Appends code point cp as UTF-8.
inline void append_utf8(std::string& out, std::uint32_t cp) {
  auto byte = [&out](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
  if (cp < 0x80) {
    byte(cp);
  } else if (cp < 0x800) {
    byte(0xC0 | (cp >> 6));
    byte(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    byte(0xE0 | (cp >> 12));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  } else {
    byte(0xF0 | (cp >> 18));
    byte(0x80 | ((cp >> 12) & 0x3F));
    byte(0x80 | ((cp >> 6) & 0x3F));
    byte(0x80 | (cp & 0x3F));
  }
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (at(k) & 0xC0) == 0x80; };
  const unsigned char c = at(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && at(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && at(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && at(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && at(1) > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value parse_document() {
    Value v = parse_value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the value");
    return v;
  }

  // The source text of each element of the top-level array, in order.
  std::vector<std::string_view> array_element_texts() {
    std::vector<std::string_view> items;
    skip_space();
    expect('[');
    skip_space();
    if (consume(']')) return finish_items(items);
    do {
      skip_space();
      const std::size_t begin = pos_;
      parse_value(1);
      items.push_back(s_.substr(begin, pos_ - begin));
      skip_space();
    } while (consume(','));
    expect(']');
    return finish_items(items);
  }

 private:
  static constexpr int kMaxDepth = 128;

  std::vector<std::string_view> finish_items(std::vector<std::string_view>& items) {
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the array");
    return std::move(items);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
  }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }

  void expect_word(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("unexpected character");
    pos_ += word.size();
  }

  Value parse_value(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    switch (s_[pos_]) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return Value(parse_string());
      case 't':
        expect_word("true");
        return Value(true);
      case 'f':
        expect_word("false");
        return Value(false);
      case 'n':
        expect_word("null");
        return Value();
      default:
        return parse_number();
    }
  }

  Value parse_object(int depth) {
    expect('{');
    Value::Object members;
    skip_space();
    if (consume('}')) return Value(std::move(members));
    do {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a member name");
      std::string key = parse_string();
      skip_space();
      expect(':');
      members.push_back(Member{std::move(key), parse_value(depth + 1)});
      skip_space();
    } while (consume(','));
    expect('}');
    return Value(std::move(members));
  }

  Value parse_array(int depth) {
    expect('[');
    Value::Array items;
    skip_space();
    if (consume(']')) return Value(std::move(items));
    do {
      items.push_back(parse_value(depth + 1));
      skip_space();
    } while (consume(','));
    expect(']');
    return Value(std::move(items));
  }

  std::uint32_t parse_hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    std::uint32_t cp = 0;
    const char* first = s_.data() + pos_;
    auto [end, ec] = std::from_chars(first, first + 4, cp, 16);
    if (ec != std::errc() || end != first + 4) fail("bad \\u escape");
    pos_ += 4;
    return cp;
  }

  std::uint32_t parse_unicode_escape() {
    std::uint32_t cp = parse_hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (s_.substr(pos_, 2) != "\\u") fail("lone high surrogate");
      pos_ += 2;
      const std::uint32_t low = parse_hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("bad low surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    return cp;
  }

  void parse_escape(std::string& out) {
    if (pos_ >= s_.size()) fail("unterminated string");
    const char c = s_[pos_++];
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u':
        append_utf8(out, parse_unicode_escape());
        break;
      default:
        fail("bad escape");
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c == '\\') {
        ++pos_;
        parse_escape(out);
        continue;
      }
      const std::size_t n = utf8_sequence_length(s_, pos_);
      if (n == 0) fail("invalid UTF-8");
      out.append(s_.substr(pos_, n));
      pos_ += n;
    }
    ++pos_;
    return out;
  }

  // The end of the number starting at pos_, checking the JSON grammar; sets is_integer.
  std::size_t scan_number(bool& is_integer) {
    std::size_t i = pos_;
    auto digits = [&] {
      const std::size_t start = i;
      while (i < s_.size() && s_[i] >= '0' && s_[i] <= '9') ++i;
      if (i == start) fail("bad number");
    };
    if (i < s_.size() && s_[i] == '-') ++i;
    if (i < s_.size() && s_[i] == '0') {
      ++i;
    } else {
      digits();
    }
    is_integer = true;
    if (i < s_.size() && s_[i] == '.') {
      ++i;
      digits();
      is_integer = false;
    }
    if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
      ++i;
      if (i < s_.size() && (s_[i] == '+' || s_[i] == '-')) ++i;
      digits();
      is_integer = false;
    }
    return i;
  }

  Value parse_number() {
    bool is_integer = false;
    const std::size_t end = scan_number(is_integer);
    const char* first = s_.data() + pos_;
    const char* last = s_.data() + end;
    pos_ = end;
    if (is_integer) {
      std::int64_t i = 0;
      auto [p, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && p == last) return Value(i);
    }
    double d = 0;
    auto [p, ec] = std::from_chars(first, last, d);
    if (ec != std::errc() || p != last) fail("number out of range");
    return Value(d);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace detail

// Parses one JSON document. Throws ParseError.
inline Value parse(std::string_view text) { return detail::Parser(text).parse_document(); }

// The source text of each element of a top-level JSON array (checked). Throws ParseError.
inline std::vector<std::string_view> array_element_texts(std::string_view text) {
  return detail::Parser(text).array_element_texts();
}

// Appends s as a JSON string literal. Invalid UTF-8 bytes become U+FFFD, so what is written
// is always valid JSON.
inline void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else {
          const std::size_t n = detail::utf8_sequence_length(s, i);
          if (n == 0) {
            out += "\\ufffd";
            ++i;
            continue;
          }
          out.append(s.substr(i, n));
          i += n;
          continue;
        }
    }
    ++i;
  }
  out.push_back('"');
}

inline void append_number(std::string& out, double d) {
  if (d != d || d - d != 0) {  // NaN or infinity: not representable in JSON
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, ec == std::errc() ? end : buf);
}

inline void append_integer(std::string& out, std::int64_t i) { out += std::to_string(i); }

// Appends v as compact JSON.
inline void append_value(std::string& out, const Value& v) {
  if (v.is_null()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_integer()) {
    append_integer(out, v.as_integer());
  } else if (v.is_number()) {
    append_number(out, v.as_number());
  } else if (v.is_string()) {
    append_string(out, v.as_string());
  } else if (v.is_array()) {
    out.push_back('[');
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      if (i != 0) out.push_back(',');
      append_value(out, v.as_array()[i]);
    }
    out.push_back(']');
  } else {
    out.push_back('{');
    for (std::size_t i = 0; i < v.as_object().size(); ++i) {
      if (i != 0) out.push_back(',');
      append_string(out, v.as_object()[i].key);
      out.push_back(':');
      append_value(out, v.as_object()[i].value);
    }
    out.push_back('}');
  }
}

inline std::string serialize(const Value& v) {
  std::string out;
  append_value(out, v);
  return out;
}

// Writes one JSON object, member by member:
//   std::string text = json::ObjectWriter().field("type", "request").field("url", u).str();
class ObjectWriter {
 public:
  ObjectWriter& field(std::string_view key, std::string_view value) {
    json::append_string(name(key), value);
    return *this;
  }
  ObjectWriter& field(std::string_view key, const char* value) {
    return field(key, std::string_view(value));
  }
  ObjectWriter& field(std::string_view key, const std::string& value) {
    return field(key, std::string_view(value));
  }
  ObjectWriter& field(std::string_view key, bool value) {
    name(key) += value ? "true" : "false";
    return *this;
  }
  template <class T>
  requires(std::is_integral_v<T> &&
           !std::is_same_v<T, bool>) ObjectWriter& field(std::string_view key, T value) {
    name(key) += std::to_string(value);
    return *this;
  }
  ObjectWriter& field(std::string_view key, double value) {
    append_number(name(key), value);
    return *this;
  }
  ObjectWriter& field(std::string_view key, const std::vector<std::string>& values) {
    std::string& out = name(key);
    out.push_back('[');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) out.push_back(',');
      json::append_string(out, values[i]);
    }
    out.push_back(']');
    return *this;
  }
  // value_json must be valid JSON text (e.g. an object serialized by the author).
  ObjectWriter& raw_field(std::string_view key, std::string_view value_json) {
    name(key) += value_json;
    return *this;
  }
  // Adds the member only when value is not empty.
  ObjectWriter& optional_field(std::string_view key, std::string_view value) {
    return value.empty() ? *this : field(key, value);
  }

  std::string str() const { return out_ + "}"; }

 private:
  std::string& name(std::string_view key) {
    if (out_.size() > 1) out_.push_back(',');
    json::append_string(out_, key);
    out_.push_back(':');
    return out_;
  }

  std::string out_ = "{";
};

}  // namespace conventiond::sdk::json
