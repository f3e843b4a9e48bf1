// Opens the dataset a DataConfig names.
#pragma once

#include <memory>

#include "config/config.h"
#include "data/dataset.h"

namespace srm {

std::unique_ptr<Dataset> open_dataset(const DataConfig& config, uint64_t seed);

}  // namespace srm
