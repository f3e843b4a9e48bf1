// Whole-file digests through OpenSSL (see file_digest.h).
#include "integrity/file_digest.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace srm {
namespace {

std::string hex_of(const unsigned char* bytes, unsigned length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned i = 0; i < length; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 15];
  }
  return hex;
}

std::string digest_hex_of_file(const std::string& path, const EVP_MD* algorithm, const char* name) {
  const std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw FileDigestError("cannot open \"" + path + "\" to compute its " + name + ": " + std::strerror(errno));
  const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), algorithm, nullptr) != 1)
    throw FileDigestError(std::string("OpenSSL could not start a ") + name);
  std::vector<unsigned char> block(1 << 20);
  for (;;) {
    const size_t got = std::fread(block.data(), 1, block.size(), file.get());
    if (got > 0 && EVP_DigestUpdate(context.get(), block.data(), got) != 1)
      throw FileDigestError(std::string("OpenSSL ") + name + " update failed");
    if (got < block.size()) break;
  }
  if (std::ferror(file.get())) throw FileDigestError("reading \"" + path + "\" failed: " + std::strerror(errno));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
    throw FileDigestError(std::string("OpenSSL ") + name + " final failed");
  return hex_of(digest, length);
}

}  // namespace

std::string sha256_hex_of_file(const std::string& path) { return digest_hex_of_file(path, EVP_sha256(), "SHA-256"); }

std::string sha1_hex_of_file(const std::string& path) { return digest_hex_of_file(path, EVP_sha1(), "SHA-1"); }

std::string sha256_hex_of_text(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw FileDigestError("OpenSSL SHA-256 failed");
  return hex_of(digest, length);
}

}  // namespace srm
