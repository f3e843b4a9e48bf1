// Whole-file digests (OpenSSL's EVP interface, streamed in 1 MiB blocks): SHA-256 for the
// checksum sidecars srm-dist writes beside its sealed files (checksum_sidecar.h), SHA-1 for the
// standard FID Inception whose published hash is a SHA-1. Lower-case hexadecimal, as sha256sum
// and sha1sum print them.
#pragma once

#include <stdexcept>
#include <string>

namespace srm {

class FileDigestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throw FileDigestError naming `path` when it cannot be opened or read.
std::string sha256_hex_of_file(const std::string& path);
std::string sha1_hex_of_file(const std::string& path);
// Of bytes in memory (cache keys).
std::string sha256_hex_of_text(const std::string& text);

}  // namespace srm
