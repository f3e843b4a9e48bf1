// NumPy .npz reading and writing through libzip (see npz_file.h).
#include "eval/npz_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "io/durable_write.h"

namespace srm {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 31;
constexpr size_t kMaxDimensions = 64;                 // NumPy's own limit (NPY_MAXDIMS)
constexpr uint64_t kMaxHeaderBytes = uint64_t{1} << 20;
constexpr uint64_t kMaxDeflateRatio = 1032;           // deflate cannot expand more than this
constexpr uint64_t kDeflateSlack = 1024;
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr size_t kArrayAlign = 64;                    // NumPy's ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;           // NumPy's spare header space per axis-0 digit

// A problem with one member; read_npz adds the path and the member's name.
class FormatProblem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("({}{})", fmt::join(shape, ", "), shape.size() == 1 ? "," : "");
}

// ---- the .npy header: a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} ----

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
        if (peek() == '[') throw FormatProblem("structured dtypes are not supported (" + supported_dtypes() + ")");
        header.descr = parse_string();
      } else if (key == "fortran_order") {
        once(has_order, key);
        header.fortran_order = parse_bool();
      } else if (key == "shape") {
        once(has_shape, key);
        header.shape = parse_shape();
      } else {
        throw FormatProblem(fmt::format("unexpected key '{}' in the .npy header", key));
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
      throw FormatProblem("the .npy header lacks one of 'descr', 'fortran_order', 'shape'");
    return header;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  [[noreturn]] void fail(const char* expected) const {
    throw FormatProblem(fmt::format("malformed .npy header (expected {} at character {}): {}", expected, pos_,
                                    std::string(text_.substr(0, 200))));
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(fmt::format("'{}'", c).c_str());
    ++pos_;
  }
  static void once(bool& seen, const std::string& key) {
    if (seen) throw FormatProblem(fmt::format("the .npy header names '{}' twice", key));
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
        if (digits == 18) throw FormatProblem("a dimension in the .npy header is implausibly large");
        value = value * 10 + (peek() - '0');
      }
      if (peek() == 'L') ++pos_;  // written by Python 2
      shape.push_back(value);
      if (shape.size() > kMaxDimensions)
        throw FormatProblem(fmt::format("more than {} dimensions in the .npy header", kMaxDimensions));
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

// ---- reading ----

std::string zip_code_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

class ReadArchive {
 public:
  explicit ReadArchive(const std::string& path) {
    int code = 0;
    archive_ = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (archive_ == nullptr)
      throw std::runtime_error(
          fmt::format("\"{}\": not a readable .npz (zip) archive: {}", path, zip_code_message(code)));
  }
  ~ReadArchive() { zip_discard(archive_); }
  ReadArchive(const ReadArchive&) = delete;
  ReadArchive& operator=(const ReadArchive&) = delete;
  zip_t* get() const { return archive_; }

 private:
  zip_t* archive_ = nullptr;
};

class MemberReader {
 public:
  MemberReader(zip_t* archive, zip_uint64_t index) : file_(zip_fopen_index(archive, index, 0)) {
    if (file_ == nullptr) throw FormatProblem(fmt::format("cannot be opened: {}", zip_strerror(archive)));
  }
  ~MemberReader() { zip_fclose(file_); }
  MemberReader(const MemberReader&) = delete;
  MemberReader& operator=(const MemberReader&) = delete;

  void read_exactly(void* buffer, uint64_t bytes) {
    auto* out = static_cast<unsigned char*>(buffer);
    while (bytes > 0) {
      const zip_int64_t got = zip_fread(file_, out, bytes);
      if (got < 0) throw FormatProblem(fmt::format("damaged: {}", zip_file_strerror(file_)));
      if (got == 0) throw FormatProblem("shorter than its size in the zip directory");
      out += got;
      bytes -= static_cast<uint64_t>(got);
    }
  }
  // Reads past the end: libzip compares the CRC-32 there.
  void expect_end() {
    unsigned char extra = 0;
    const zip_int64_t got = zip_fread(file_, &extra, 1);
    if (got < 0) throw FormatProblem(fmt::format("damaged: {}", zip_file_strerror(file_)));
    if (got > 0) throw FormatProblem("longer than its size in the zip directory");
  }

 private:
  zip_file_t* file_;
};

uint64_t load_little_endian(const unsigned char* bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

// Checks the directory entry against the archive's size, reads the header, checks its sizes,
// then reads the data.
NpyArray read_member(zip_t* archive, zip_uint64_t index, const zip_stat_t& stat, uint64_t file_size) {
  constexpr zip_uint64_t needed = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
  if ((stat.valid & needed) != needed) throw FormatProblem("its zip directory entry lacks its sizes");
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
    throw FormatProblem("is encrypted");
  if (stat.comp_method != ZIP_CM_STORE && stat.comp_method != ZIP_CM_DEFLATE)
    throw FormatProblem(fmt::format("compression method {} is neither stored nor deflated (np.savez, "
                                    "np.savez_compressed)", stat.comp_method));
  if (stat.comp_size > file_size)
    throw FormatProblem(fmt::format("claims {} bytes in an archive of {} bytes", stat.comp_size, file_size));
  if (stat.comp_method == ZIP_CM_STORE && stat.size != stat.comp_size)
    throw FormatProblem(fmt::format("is stored but claims {} bytes in {}", stat.size, stat.comp_size));
  if (stat.comp_method == ZIP_CM_DEFLATE && stat.size > stat.comp_size * kMaxDeflateRatio + kDeflateSlack)
    throw FormatProblem(fmt::format("claims {} bytes from {} deflated ones, more than deflate can produce",
                                    stat.size, stat.comp_size));

  if (stat.size < 10) throw FormatProblem(fmt::format("has {} bytes, too few for a .npy array", stat.size));
  MemberReader reader(archive, index);
  unsigned char prefix[12];
  reader.read_exactly(prefix, 8);
  if (std::memcmp(prefix, kMagic, kMagicBytes) != 0) throw FormatProblem("is not a .npy array (no \\x93NUMPY magic)");
  const int major = prefix[6], minor = prefix[7];
  if (minor != 0 || major < 1 || major > 3)
    throw FormatProblem(fmt::format(".npy format version {}.{} is not one of 1.0, 2.0, 3.0", major, minor));
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (stat.size < 8 + length_bytes) throw FormatProblem("ends inside its .npy header");
  reader.read_exactly(prefix + 8, length_bytes);
  const uint64_t header_bytes = load_little_endian(prefix + 8, static_cast<int>(length_bytes));
  const uint64_t prefix_bytes = 8 + length_bytes;
  if (header_bytes > stat.size - prefix_bytes || header_bytes > kMaxHeaderBytes)
    throw FormatProblem(fmt::format("its .npy header claims {} bytes in a member of {}", header_bytes, stat.size));
  std::string header_text(header_bytes, '\0');
  reader.read_exactly(header_text.data(), header_bytes);
  const NpyHeader header = HeaderParser(header_text).parse();

  if (header.fortran_order)
    throw FormatProblem("is in Fortran order (fortran_order: True); only C order is supported "
                        "(save np.ascontiguousarray(a))");
  const std::optional<Dtype> dtype = parse_dtype(header.descr);
  if (!dtype)
    throw FormatProblem(fmt::format("dtype '{}' is not supported ({})", header.descr, supported_dtypes()));
  int64_t elements = 1;
  for (const int64_t dim : header.shape) {
    if (dim != 0 && elements > kMaxElements / dim) {
      elements = kMaxElements + 1;
      break;
    }
    elements *= dim;
  }
  if (elements > kMaxElements)
    throw FormatProblem(fmt::format("shape {} has more than 2^31 elements, more than this reader accepts",
                                    shape_text(header.shape)));
  const uint64_t data_bytes = static_cast<uint64_t>(elements) * static_cast<uint64_t>(dtype->item_size);
  if (prefix_bytes + header_bytes + data_bytes != stat.size)
    throw FormatProblem(fmt::format("shape {} of {} needs {} data bytes, but the member has {} after its header",
                                    shape_text(header.shape), header.descr, data_bytes,
                                    stat.size - prefix_bytes - header_bytes));

  NpyArray array;
  array.shape = header.shape;
  array.data.resize(data_bytes);
  reader.read_exactly(array.data.data(), data_bytes);
  reader.expect_end();
  array.dtype = header.descr;
  if (dtype->item_size == 1) {
    array.dtype[0] = '|';
  } else if (dtype->byte_order == '>') {
    for (size_t at = 0; at < array.data.size(); at += static_cast<size_t>(dtype->item_size))
      std::reverse(array.data.begin() + static_cast<std::ptrdiff_t>(at),
                   array.data.begin() + static_cast<std::ptrdiff_t>(at) + dtype->item_size);
    array.dtype[0] = '<';
  }
  return array;
}

// ---- writing ----

std::runtime_error write_error(const std::string& path, const std::string& what) {
  return std::runtime_error(fmt::format("writing \"{}\": {}", path, what));
}

// The member bytes np.save writes: magic, version 1.0, header padded to 64, data.
std::string npy_bytes(const NpyArray& array) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", array.dtype,
                                   shape_text(array.shape));
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

void check_writable(const std::string& path, const std::string& key, const NpyArray& array) {
  if (key.empty() || key.find('\0') != std::string::npos)
    throw write_error(path, fmt::format("array name \"{}\" is empty or has a NUL", key));
  const std::optional<Dtype> dtype = parse_dtype(array.dtype);
  if (!dtype || dtype->byte_order == '>')
    throw write_error(path, fmt::format("array {}: dtype '{}' is not a little-endian {}", key, array.dtype,
                                        supported_dtypes()));
  if (array.shape.size() > kMaxDimensions)
    throw write_error(path, fmt::format("array {}: more than {} dimensions", key, kMaxDimensions));
  int64_t elements = 0;
  try {
    elements = element_count(array.shape);
  } catch (const std::invalid_argument& e) {
    throw write_error(path, fmt::format("array {}: {}", key, e.what()));
  }
  if (static_cast<uint64_t>(elements) * static_cast<uint64_t>(dtype->item_size) != array.data.size())
    throw write_error(path, fmt::format("array {}: shape {} of {} needs {} bytes, it has {}", key,
                                        shape_text(array.shape), array.dtype, elements * dtype->item_size,
                                        array.data.size()));
}

// 1980-01-01 00:00 local time, which libzip stores as the DOS date 1980-01-01 00:00.
time_t fixed_zip_time() {
  std::tm start{};
  start.tm_year = 80;
  start.tm_mday = 1;
  start.tm_isdst = -1;
  return std::mktime(&start);
}

}  // namespace

int64_t element_count(const std::vector<int64_t>& shape) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  int64_t count = 1;
  for (const int64_t dim : shape) {
    if (dim < 0) throw std::invalid_argument(fmt::format("shape {} has a negative dimension", shape_text(shape)));
    if (dim != 0 && count > kLimit / dim)
      throw std::invalid_argument(fmt::format("shape {} has too many elements", shape_text(shape)));
    count *= dim;
  }
  return count;
}

std::map<std::string, NpyArray> read_npz(const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status))
    throw std::runtime_error(fmt::format("\"{}\": no such file", path));
  if (!std::filesystem::is_regular_file(status)) throw std::runtime_error(fmt::format("\"{}\": not a file", path));
  const uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) throw std::runtime_error(fmt::format("\"{}\": {}", path, error.message()));
  if (file_size == 0) throw std::runtime_error(fmt::format("\"{}\": empty file, not a .npz archive", path));

  const ReadArchive archive(path);
  const zip_int64_t members = zip_get_num_entries(archive.get(), 0);
  if (members < 0) throw std::runtime_error(fmt::format("\"{}\": {}", path, zip_strerror(archive.get())));
  std::map<std::string, NpyArray> arrays;
  for (zip_int64_t i = 0; i < members; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), index, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME))
      throw std::runtime_error(fmt::format("\"{}\": member {}: {}", path, i, zip_strerror(archive.get())));
    const std::string name = stat.name;
    const std::string suffix = ".npy";
    try {
      if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        throw FormatProblem("is not a .npy member (its name does not end in .npy)");
      const std::string key = name.substr(0, name.size() - suffix.size());
      if (arrays.count(key) != 0) throw FormatProblem("appears twice");
      arrays.emplace(key, read_member(archive.get(), index, stat, file_size));
    } catch (const FormatProblem& problem) {
      throw std::runtime_error(fmt::format("\"{}\": member {}: {}", path, name, problem.what()));
    }
  }
  return arrays;
}

void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
  if (arrays.empty()) throw write_error(path, "no arrays to write");
  std::vector<std::pair<std::string, std::string>> members;  // (name, bytes), alive until zip_close
  for (const auto& [key, array] : arrays) {
    check_writable(path, key, array);
    members.emplace_back(key + ".npy", npy_bytes(array));
  }

  const std::string partial = path + ".partial";
  int code = 0;
  zip_t* archive = zip_open(partial.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (archive == nullptr) throw write_error(path, zip_code_message(code));
  const auto abandon = [&](const std::string& what) {
    zip_discard(archive);
    std::remove(partial.c_str());
    return write_error(path, what);
  };
  const time_t stamp = fixed_zip_time();
  for (const auto& [name, bytes] : members) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    if (source == nullptr) throw abandon(zip_strerror(archive));
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      throw abandon(fmt::format("adding {}: {}", name, zip_strerror(archive)));
    }
    const auto at = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(archive, at, ZIP_CM_STORE, 0) != 0 || zip_file_set_mtime(archive, at, stamp, 0) != 0)
      throw abandon(fmt::format("adding {}: {}", name, zip_strerror(archive)));
  }
  if (zip_close(archive) != 0) throw abandon(zip_strerror(archive));
  try {
    fsync_path(partial, false);
    rename_durably(partial, path);
  } catch (const std::exception& e) {
    std::remove(partial.c_str());
    throw write_error(path, e.what());
  }
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
                                         shape_text(array.shape), array.dtype, static_cast<uint64_t>(count) * size,
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
    throw std::invalid_argument(fmt::format("{} values do not fill shape {}", values.size(), shape_text(shape)));
  NpyArray array{"<f8", shape, std::vector<unsigned char>(values.size() * 8)};
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t raw;
    std::memcpy(&raw, &values[i], sizeof raw);
    for (int b = 0; b < 8; ++b) array.data[i * 8 + static_cast<size_t>(b)] = static_cast<unsigned char>(raw >> (8 * b));
  }
  return array;
}

}  // namespace srm
