// Seed derivation without any LibTorch dependency: rank logic (sharding, data order) uses it
// as a pure function of plain integers.
#pragma once

#include <cstdint>

namespace srm {

// Derives a stream seed from a base seed and a stream identifier (e.g. rank, epoch, purpose)
// with SplitMix64, so nearby inputs give unrelated seeds.
inline uint64_t derive_seed(uint64_t base_seed, uint64_t stream) {
  uint64_t z = base_seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace srm
