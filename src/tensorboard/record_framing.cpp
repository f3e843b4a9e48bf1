// TFRecord framing (see record_framing.h).
#include "tensorboard/record_framing.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "tensorboard/crc32c.h"

namespace srm {
namespace {

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

std::uint64_t get_le(std::string_view in, std::size_t offset, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[offset + i])) << (8 * i);
  return value;
}

}  // namespace

std::string frame_record(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le(out, data.size(), 8);
  put_le(out, mask_crc32c(crc32c(out.data(), 8)), 4);
  out.append(data.data(), data.size());
  put_le(out, mask_crc32c(crc32c(data)), 4);
  return out;
}

RecordScan read_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open \"" + path + "\" for reading: " + std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read \"" + path + "\"");
  const std::string_view all(bytes);
  RecordScan scan;
  std::size_t at = 0;
  while (at < all.size()) {
    if (all.size() - at < 12) break;
    const std::uint64_t length = get_le(all, at, 8);
    if (get_le(all, at + 8, 4) != mask_crc32c(crc32c(all.data() + at, 8))) break;
    if (all.size() - at - 12 < 4 || length > all.size() - at - 16) break;
    const std::string_view data = all.substr(at + 12, length);
    if (get_le(all, at + 12 + length, 4) != mask_crc32c(crc32c(data))) break;
    scan.records.emplace_back(data);
    at += 16 + length;
  }
  scan.clean_end = at == all.size();
  return scan;
}

}  // namespace srm
