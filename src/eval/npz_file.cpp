// NumPy .npz reading and writing through libzip (see npz_file.h).
#include "eval/npz_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zip.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "io/durable_write.h"

namespace srm {
namespace {

constexpr uint64_t kMaxDeflateRatio = 1032;           // deflate cannot expand more than this
constexpr uint64_t kDeflateSlack = 1024;

// A problem with one member; read_npz adds the path and the member's name.
class FormatProblem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
  const size_t length_bytes = npy_length_field_bytes(prefix);
  if (stat.size < 8 + length_bytes) throw FormatProblem("ends inside its .npy header");
  reader.read_exactly(prefix + 8, length_bytes);
  const uint64_t header_bytes = load_little_endian(prefix + 8, static_cast<int>(length_bytes));
  const uint64_t prefix_bytes = 8 + length_bytes;
  if (header_bytes > stat.size - prefix_bytes || header_bytes > kMaxNpyHeaderBytes)
    throw FormatProblem(fmt::format("its .npy header claims {} bytes in a member of {}", header_bytes, stat.size));
  std::string header_text(header_bytes, '\0');
  reader.read_exactly(header_text.data(), header_bytes);
  const NpyLayout layout = parse_npy_header(header_text);
  if (prefix_bytes + header_bytes + layout.data_bytes != stat.size)
    throw FormatProblem(fmt::format("shape {} of {} needs {} data bytes, but the member has {} after its header",
                                    npy_shape_text(layout.shape), layout.descr, layout.data_bytes,
                                    stat.size - prefix_bytes - header_bytes));
  std::vector<unsigned char> data(layout.data_bytes);
  reader.read_exactly(data.data(), layout.data_bytes);
  reader.expect_end();
  return npy_array(layout, std::move(data));
}

// ---- writing ----

std::runtime_error write_error(const std::string& path, const std::string& what) {
  return std::runtime_error(fmt::format("writing \"{}\": {}", path, what));
}

void check_name(const std::string& path, const std::string& key) {
  if (key.empty() || key.find('\0') != std::string::npos)
    throw write_error(path, fmt::format("array name \"{}\" is empty or has a NUL", key));
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
    } catch (const std::runtime_error& problem) {  // FormatProblem or NpyFormatError: name the member
      throw std::runtime_error(fmt::format("\"{}\": member {}: {}", path, name, problem.what()));
    }
  }
  return arrays;
}

void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
  if (arrays.empty()) throw write_error(path, "no arrays to write");
  std::vector<std::pair<std::string, std::string>> members;  // (name, bytes), alive until zip_close
  for (const auto& [key, array] : arrays) {
    check_name(path, key);
    try {
      members.emplace_back(key + ".npy", npy_bytes(array));
    } catch (const NpyFormatError& e) {
      throw write_error(path, fmt::format("array {}: {}", key, e.what()));
    }
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

}  // namespace srm
