// Checksum sidecars: the whole-file integrity record of every file srm-dist writes once and then
// only reads (checkpoints, generated sample files, statistics files). Beside FILE sits
// FILE.sha256, one line in sha256sum's format ("<64 hex>  <file name>"), so `sha256sum -c`
// checks it too. It is written when FILE is complete, before FILE gets its final name, so a
// sealed file without its sidecar only arises from copying one without the other.
// Readers verify it before HDF5 (or numpy's zip reader) sees a byte of FILE: HDF5 is not robust
// against damaged metadata, and a flipped bit outside its chunk checksums would otherwise be a
// silently different file. See docs/archive.md, "Integrity".
#pragma once

#include <stdexcept>
#include <string>

namespace srm {

class FileCorruptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string checksum_sidecar_path(const std::string& file);

// Seals `sealed_path`: computes the SHA-256 of `content_path` (the file as written; it may still
// carry a temporary name) and writes sealed_path.sha256 durably, naming sealed_path's file name.
void write_checksum_sidecar(const std::string& content_path, const std::string& sealed_path);
inline void write_checksum_sidecar(const std::string& path) { write_checksum_sidecar(path, path); }

enum class SidecarVerdict { Verified, Absent };

// Verified when FILE.sha256 exists and matches; Absent when there is none. Throws
// FileCorruptError ("<what> \"FILE\" is corrupt: checksum mismatch ...") when the digest differs
// or the sidecar is unreadable, malformed or names another file.
SidecarVerdict verify_checksum_sidecar(const std::string& file, const std::string& what);

}  // namespace srm
