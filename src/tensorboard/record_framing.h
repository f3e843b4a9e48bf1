// The TFRecord framing of TensorBoard event files, in both directions. Each record is
//   uint64 length (little-endian) | uint32 masked crc32c(length bytes) | data | uint32 masked crc32c(data)
// Knows nothing about what the data is (serialized Event protos, in event files).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace srm {

// `data` with its TFRecord header and footer: 12 + data.size() + 4 bytes.
std::string frame_record(std::string_view data);

// The records of a TFRecord file, in order, up to the first one that is cut short or whose
// CRCs do not match (a writer killed mid-record leaves such a tail).
struct RecordScan {
  std::vector<std::string> records;
  bool clean_end = true;  // false: bytes after the last good record were dropped
};
// Throws std::runtime_error naming `path` when it cannot be read.
RecordScan read_records(const std::string& path);

}  // namespace srm
