// Seeded random generators for one device. Every random draw in srm-dist goes through an
// explicit generator (never the global default), so streams are reproducible and
// per-rank independent.
#pragma once

#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include <cstdint>

#include "util/seed.h"

namespace srm {

// A fresh generator on `device` seeded with `seed`.
at::Generator make_generator(const c10::Device& device, uint64_t seed);

}  // namespace srm
