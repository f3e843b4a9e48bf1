// NumPy .npz archives (a zip of .npy arrays, as np.savez / np.savez_compressed write them), read
// and written through libzip, for FID reference statistics (mu, sigma) exchanged with Python
// tools. No LibTorch here: arrays are raw little-endian bytes plus a NumPy dtype string.
//
// Reading accepts stored and deflated members, .npy format versions 1.0, 2.0 and 3.0, C order
// only, and the numeric dtypes f4, f8, i1..i8, u1..u8, b1 in either byte order (big-endian data
// is swapped to little-endian on reading, and its dtype then says '<'). Every size in the file
// is checked before anything is allocated: the header's shape times the item size must equal the
// member's size in the zip directory, that size must be possible for the archive's size, and at
// most 2^31 elements are accepted. Pickled (object) arrays, structured dtypes and Fortran order
// are refused. Errors are std::runtime_error: "\"PATH\": member NAME.npy: what is wrong".
//
// Writing produces what np.savez produces (stored members, .npy 1.0 headers padded to 64 bytes,
// the same header text as NumPy 2), with a fixed 1980-01-01 time stamp so that the same arrays
// give the same bytes; it goes to PATH.partial, is synced and renamed over PATH.
#pragma once

#include <map>
#include <string>

#include "eval/npy_format.h"

namespace srm {

// Keys are the member names without ".npy" (as numpy.load gives them).
std::map<std::string, NpyArray> read_npz(const std::string& path);
void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace srm
