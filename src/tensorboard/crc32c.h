// CRC-32C (Castagnoli) and the "masked" form of it that TensorBoard / TFRecord files store next
// to every record's length and data. A plain table-driven implementation (Debian packages no C++
// CRC-32C library); it is only run over event records, so speed does not matter here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace srm {

// CRC-32C (reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF) of the
// bytes. crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(const void* data, std::size_t size);
inline std::uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }

// TFRecord's mask, so that a CRC stored inside the data it covers is not a fixed point:
// ((crc >> 15) | (crc << 17)) + 0xa282ead8, in uint32 arithmetic.
std::uint32_t mask_crc32c(std::uint32_t crc);

}  // namespace srm
