// Log lines on stderr: "[HH:MM:SS rank R] message". The rank is passed in (no global state).
// fmt is the copy LibTorch ships (header-only), so no second fmt enters the process.
#pragma once

#include <string>

namespace srm {

void log_line(int rank, const std::string& message);

}  // namespace srm
