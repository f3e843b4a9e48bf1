// The .npy array format (see npy_format.h).
#include "eval/npy_format.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

namespace srm {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 31;
constexpr size_t kMaxDimensions = 64;                 // NumPy's own limit (NPY_MAXDIMS)
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr size_t kArrayAlign = 64;                    // NumPy's ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;           // NumPy's spare header space per axis-0 digit

struct Dtype {
  char byte_order;  // '<', '>' or '|'
  char kind;        // 'f', 'i', 'u' or 'b'
  int item_size;    // bytes
};

// The dtypes this file handles; nullopt for anything else.
std::optional<Dtype> parse_dtype(const std::string& descr) {
  if (descr.size() != 3) return std::nullopt;
  const Dtype d{descr[0], descr[1], descr[2] - '0'};
  if (d.byte_order != '<' && d.byte_order != '>' && d.byte_order != '|') return std::nullopt;
  const bool ok = (d.kind == 'f' && (d.item_size == 4 || d.item_size == 8)) ||
                  ((d.kind == 'i' || d.kind == 'u') &&
                   (d.item_size == 1 || d.item_size == 2 || d.item_size == 4 || d.item_size == 8)) ||
                  (d.kind == 'b' && d.item_size == 1);
  if (!ok) return std::nullopt;
  if (d.item_size > 1 && d.byte_order == '|') return std::nullopt;  // a multi-byte type needs an order
  return d;
}

std::string supported_dtypes() { return "float32/float64 (f4, f8), integers (i1..i8, u1..u8) or bool (b1)"; }


struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  NpyHeader parse() {
    NpyHeader header;
    bool has_descr = false, has_order = false, has_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        once(has_descr, key);
        skip_space();
        if (peek() == '[') throw NpyFormatError("structured dtypes are not supported (" + supported_dtypes() + ")");
        header.descr = parse_string();
      } else if (key == "fortran_order") {
        once(has_order, key);
        header.fortran_order = parse_bool();
      } else if (key == "shape") {
        once(has_shape, key);
        header.shape = parse_shape();
      } else {
        throw NpyFormatError(fmt::format("unexpected key '{}' in the .npy header", key));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("',' or '}'");
    }
    ++pos_;
    skip_space();
    if (pos_ != text_.size()) fail("the end of the header");
    if (!has_descr || !has_order || !has_shape)
      throw NpyFormatError("the .npy header lacks one of 'descr', 'fortran_order', 'shape'");
    return header;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[noreturn]] void fail(const char* expected) const {
    throw NpyFormatError(fmt::format("malformed .npy header (expected {} at character {}): {}", expected, pos_,
                                    std::string(text_.substr(0, 200))));
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(fmt::format("'{}'", c).c_str());
    ++pos_;
  }
  static void once(bool& seen, const std::string& key) {
    if (seen) throw NpyFormatError(fmt::format("the .npy header names '{}' twice", key));
    seen = true;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("a closing quote");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }
  bool parse_bool() {
    skip_space();
    for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    fail("True or False");
  }
  std::vector<int64_t> parse_shape() {
    std::vector<int64_t> shape;
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("a dimension");
      int64_t value = 0;
      for (int digits = 0; std::isdigit(static_cast<unsigned char>(peek())); ++pos_, ++digits) {
        if (digits == 18) throw NpyFormatError("a dimension in the .npy header is implausibly large");
        value = value * 10 + (peek() - '0');
      }
      if (peek() == 'L') ++pos_;  // written by Python 2
      shape.push_back(value);
      if (shape.size() > kMaxDimensions)
        throw NpyFormatError(fmt::format("more than {} dimensions in the .npy header", kMaxDimensions));
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        fail("',' or ')'");
      }
    }
    ++pos_;
    return shape;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

size_t npy_length_field_bytes(const unsigned char* first8) {
  if (std::memcmp(first8, kMagic, kMagicBytes) != 0) throw NpyFormatError("is not a .npy array (no \\x93NUMPY magic)");
  const int major = first8[6], minor = first8[7];
  if (minor != 0 || major < 1 || major > 3)
    throw NpyFormatError(fmt::format(".npy format version {}.{} is not one of 1.0, 2.0, 3.0", major, minor));
  return major == 1 ? 2 : 4;
}

NpyLayout parse_npy_header(std::string_view text) {
  const NpyHeader header = HeaderParser(text).parse();
  if (header.fortran_order)
    throw NpyFormatError("is in Fortran order (fortran_order: True); only C order is supported "
                         "(save np.ascontiguousarray(a))");
  const std::optional<Dtype> dtype = parse_dtype(header.descr);
  if (!dtype)
    throw NpyFormatError(fmt::format("dtype '{}' is not supported ({})", header.descr, supported_dtypes()));
  int64_t elements = 1;
  for (const int64_t dim : header.shape) {
    if (dim != 0 && elements > kMaxElements / dim) {
      elements = kMaxElements + 1;
      break;
    }
    elements *= dim;
  }
  if (elements > kMaxElements)
    throw NpyFormatError(fmt::format("shape {} has more than 2^31 elements, more than this reader accepts",
                                     npy_shape_text(header.shape)));
  return NpyLayout{header.descr, header.shape, dtype->item_size, dtype->byte_order == '>',
                   static_cast<uint64_t>(elements) * static_cast<uint64_t>(dtype->item_size)};
}

NpyArray npy_array(const NpyLayout& layout, std::vector<unsigned char> data) {
  NpyArray array{layout.descr, layout.shape, std::move(data)};
  if (layout.item_size == 1) {
    array.dtype[0] = '|';
  } else if (layout.big_endian) {
    for (size_t at = 0; at < array.data.size(); at += static_cast<size_t>(layout.item_size))
      std::reverse(array.data.begin() + static_cast<std::ptrdiff_t>(at),
                   array.data.begin() + static_cast<std::ptrdiff_t>(at) + layout.item_size);
    array.dtype[0] = '<';
  }
  return array;
}

std::string npy_bytes(const NpyArray& array) {
  const std::optional<Dtype> dtype = parse_dtype(array.dtype);
  if (!dtype || dtype->byte_order == '>')
    throw NpyFormatError(fmt::format("dtype '{}' is not a little-endian {}", array.dtype, supported_dtypes()));
  if (array.shape.size() > kMaxDimensions) throw NpyFormatError(fmt::format("more than {} dimensions", kMaxDimensions));
  int64_t elements = 0;
  try {
    elements = element_count(array.shape);
  } catch (const std::invalid_argument& e) {
    throw NpyFormatError(e.what());
  }
  if (static_cast<uint64_t>(elements) * static_cast<uint64_t>(dtype->item_size) != array.data.size())
    throw NpyFormatError(fmt::format("shape {} of {} needs {} bytes, it has {}", npy_shape_text(array.shape), array.dtype,
                                     elements * dtype->item_size, array.data.size()));
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", array.dtype,
                                   npy_shape_text(array.shape));
  if (!array.shape.empty()) header.append(kGrowthAxisMaxDigits - std::to_string(array.shape[0]).size(), ' ');
  const size_t unpadded = header.size() + 1;  // with the final newline
  const size_t padding = kArrayAlign - ((kMagicBytes + 2 + 2 + unpadded) % kArrayAlign);
  header.append(padding, ' ');
  header += '\n';
  std::string bytes(kMagic, kMagicBytes);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>((header.size() >> 8) & 0xff);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(array.data.data()), array.data.size());
  return bytes;
}

std::string npy_shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("({}{})", fmt::join(shape, ", "), shape.size() == 1 ? "," : "");
}

uint64_t load_little_endian(const unsigned char* bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

int64_t element_count(const std::vector<int64_t>& shape) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t count = 1;
  for (const int64_t dim : shape) {
    if (dim < 0) throw std::invalid_argument(fmt::format("shape {} has a negative dimension", npy_shape_text(shape)));
    if (dim != 0 && count > kLimit / dim)
      throw std::invalid_argument(fmt::format("shape {} has too many elements", npy_shape_text(shape)));
    count *= dim;
  }
  return count;
}

std::vector<double> as_float64(const NpyArray& array, const std::string& what) {
  const std::optional<Dtype> dtype = parse_dtype(array.dtype);
  if (!dtype || dtype->byte_order == '>')
    throw std::runtime_error(fmt::format("{}: dtype '{}' cannot be read as float64 (expected a little-endian {})",
                                         what, array.dtype, supported_dtypes()));
  const int64_t count = element_count(array.shape);
  const auto size = static_cast<size_t>(dtype->item_size);
  if (static_cast<uint64_t>(count) * size != array.data.size())
    throw std::runtime_error(fmt::format("{}: shape {} of {} needs {} bytes, it has {}", what,
                                         npy_shape_text(array.shape), array.dtype, static_cast<uint64_t>(count) * size,
                                         array.data.size()));
  std::vector<double> values(static_cast<size_t>(count));
  const int bits = 8 * dtype->item_size;
  for (size_t i = 0; i < values.size(); ++i) {
    const uint64_t raw = load_little_endian(array.data.data() + i * size, dtype->item_size);
    switch (dtype->kind) {
      case 'f':
        if (dtype->item_size == 4) {
          const auto narrow = static_cast<uint32_t>(raw);
          float f;
          std::memcpy(&f, &narrow, sizeof f);
          values[i] = f;
        } else {
          double d;
          std::memcpy(&d, &raw, sizeof d);
          values[i] = d;
        }
        break;
      case 'i': {
        const uint64_t extended = (bits < 64 && ((raw >> (bits - 1)) & 1)) ? raw | (~uint64_t{0} << bits) : raw;
        int64_t signed_value;
        std::memcpy(&signed_value, &extended, sizeof signed_value);
        values[i] = static_cast<double>(signed_value);
        break;
      }
      case 'u':
        values[i] = static_cast<double>(raw);
        break;
      default:  // 'b'
        values[i] = raw != 0 ? 1.0 : 0.0;
    }
  }
  return values;
}

NpyArray float64_array(const std::vector<int64_t>& shape, const std::vector<double>& values) {
  if (static_cast<uint64_t>(element_count(shape)) != values.size())
    throw std::invalid_argument(fmt::format("{} values do not fill shape {}", values.size(), npy_shape_text(shape)));
  NpyArray array{"<f8", shape, std::vector<unsigned char>(values.size() * 8)};
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t raw;
    std::memcpy(&raw, &values[i], sizeof raw);
    for (int b = 0; b < 8; ++b) array.data[i * 8 + static_cast<size_t>(b)] = static_cast<unsigned char>(raw >> (8 * b));
  }
  return array;
}

}  // namespace srm
