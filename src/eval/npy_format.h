// The NumPy .npy array format (format versions 1.0, 2.0, 3.0) as far as srm-dist's statistics
// files need it: the numeric dtypes f4, f8, i1..i8, u1..u8 and b1 in either byte order, C order,
// at most 2^31 elements; the header's dict parsed and checked (sizes before anything is
// allocated), arrays made and serialised as np.save writes them, values read as float64.
// No LibTorch and no zip here (npz_file.h holds arrays in a .npz). Errors are NpyFormatError.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace srm {

class NpyFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NpyArray {
  std::string dtype;                // NumPy descr: "<f8", "<f4", "<i8", "|u1", ...
  std::vector<int64_t> shape;       // empty for a 0-d array (one element)
  std::vector<unsigned char> data;  // C order, little-endian
};

inline constexpr uint64_t kMaxNpyHeaderBytes = uint64_t{1} << 20;

// The first 8 bytes of a .npy member (magic, version) checked; returns the width in bytes of the
// header-length field that follows (2 for version 1.0, 4 for 2.0 and 3.0).
size_t npy_length_field_bytes(const unsigned char* first8);

// What a checked .npy header promises: the array's dtype and shape, and its data's length.
struct NpyLayout {
  std::string descr;
  std::vector<int64_t> shape;
  int item_size = 0;
  bool big_endian = false;
  uint64_t data_bytes = 0;
};
// Parses the header dict; refuses structured dtypes, unsupported dtypes, Fortran order and more
// than 2^31 elements.
NpyLayout parse_npy_header(std::string_view text);

// An array read as `layout` describes, with big-endian items reversed to little-endian and the
// dtype saying so ('|' for single bytes).
NpyArray npy_array(const NpyLayout& layout, std::vector<unsigned char> data);

// The bytes np.save writes for `array` (magic, version 1.0, header padded to 64, data); throws
// NpyFormatError when its dtype, shape and data do not agree.
std::string npy_bytes(const NpyArray& array);

uint64_t load_little_endian(const unsigned char* bytes, int count);

// A shape as Python writes the tuple: "(100,)", "(3, 4)", "()".
std::string npy_shape_text(const std::vector<int64_t>& shape);

// The number of elements `shape` describes (1 for a 0-d array).
int64_t element_count(const std::vector<int64_t>& shape);

// The elements as doubles, for the float and integer dtypes above (int64 beyond 2^53 rounds).
// `what` names the array in the error for an unsupported dtype or a size that does not match.
std::vector<double> as_float64(const NpyArray& array, const std::string& what = "array");

// A "<f8" array from doubles; throws std::invalid_argument when values do not fill `shape`.
NpyArray float64_array(const std::vector<int64_t>& shape, const std::vector<double>& values);

}  // namespace srm
