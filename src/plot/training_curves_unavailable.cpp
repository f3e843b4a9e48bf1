// The training curves in a build without PLplot (see training_curves.h): nothing can be drawn,
// and asking says how to get it.
#include <stdexcept>

#include "plot/training_curves.h"

namespace srm {

bool training_curves_available() { return false; }

void write_training_curves_png(const std::string& path, const std::vector<IterationMetrics>&,
                               const std::vector<EvalPoint>&) {
  throw std::runtime_error("cannot draw \"" + path + "\": this srm-dist was built without PLplot (Debian: "
                           "libplplot-dev plplot-driver-cairo; then reconfigure)");
}

}  // namespace srm
