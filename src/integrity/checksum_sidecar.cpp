// Checksum sidecars (see checksum_sidecar.h).
#include "integrity/checksum_sidecar.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "integrity/file_digest.h"
#include "io/durable_write.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

bool is_hex_digest(const std::string& text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string checksum_sidecar_path(const std::string& file) { return file + ".sha256"; }

void write_checksum_sidecar(const std::string& content_path, const std::string& sealed_path) {
  const std::string digest = sha256_hex_of_file(content_path);
  write_text_durably(checksum_sidecar_path(sealed_path),
                     fmt::format("{}  {}\n", digest, fs::path(sealed_path).filename().string()));
}

SidecarVerdict verify_checksum_sidecar(const std::string& file, const std::string& what) {
  const std::string sidecar = checksum_sidecar_path(file);
  std::error_code error;
  if (!fs::exists(sidecar, error)) return SidecarVerdict::Absent;
  std::ifstream in(sidecar, std::ios::binary);
  std::string line;
  // A sidecar is one short line; anything longer is damage, not a sidecar to parse.
  char buffer[512] = {};
  in.read(buffer, sizeof buffer - 1);
  line.assign(buffer, static_cast<size_t>(in.gcount()));
  const std::string name = fs::path(file).filename().string();
  const std::string expected_tail = "  " + name + "\n";
  const bool well_formed = line.size() == 64 + expected_tail.size() && is_hex_digest(line.substr(0, 64)) &&
                           line.compare(64, std::string::npos, expected_tail) == 0;
  if (!well_formed)
    throw FileCorruptError(fmt::format("{} \"{}\" cannot be verified: its checksum file \"{}\" is damaged (expected "
                                       "one line \"<SHA-256>  {}\")", what, file, sidecar, name));
  const std::string recorded = line.substr(0, 64);
  std::string actual;
  try {
    actual = sha256_hex_of_file(file);
  } catch (const FileDigestError& e) {
    throw FileCorruptError(fmt::format("{} \"{}\" cannot be read: {}", what, file, e.what()));
  }
  if (actual != recorded)
    throw FileCorruptError(fmt::format("{} \"{}\" is corrupt: checksum mismatch (SHA-256 {}, {} records {}): "
                                       "the file changed after it was written (damaged disk or incomplete copy?)",
                                       what, file, actual, fs::path(sidecar).filename().string(), recorded));
  return SidecarVerdict::Verified;
}

}  // namespace srm
