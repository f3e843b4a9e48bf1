// Training-curve small multiples drawn with PLplot's pngcairo driver (see training_curves.h).
// PLplot ends the process on some errors (an output file it cannot open, an unknown device),
// so the file is opened here and handed over, and the device is looked up before use; what is
// left to end it is out of memory or a broken PLplot installation.
#include "plot/training_curves.h"

#include <plplot.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace srm {
namespace {

constexpr size_t kBuckets = 1000;  // lines longer than 2 * kBuckets keep each bucket's min and max

// Colour map 0: background, ink (axes, text), the two series, grid, legend background.
enum Colour : PLINT { kBackground, kInk, kFirst, kSecond, kGrid, kLegendBack, kColours };

struct Line {
  std::string label;
  std::vector<PLFLT> x, y;  // y NaN marks a gap
  PLINT colour = kFirst;
};

struct Panel {
  std::string title, y_label;
  std::vector<Line> lines;  // one or two
  bool two_scales = false;  // lines[1] has its own axis on the right
  bool markers = false;     // a symbol at every point (few points)
  bool log_allowed = false; // log10 y axis when every finite value is > 0
};

struct Range {
  double lo = 0, hi = 0;
};

std::runtime_error write_error(const std::string& path, const std::string& why) {
  return std::runtime_error("training curves: cannot write " + path + ": " + why);
}

// (x_of(row), y_of(row)) with non-finite values as gaps. Above 2 * kBuckets rows, each bucket of
// consecutive rows becomes its minimum and maximum, in row order, so spikes stay visible.
template <class Row, class X, class Y>
Line make_line(std::string label, const std::vector<Row>& rows, X x_of, Y y_of, PLINT colour) {
  Line line{std::move(label), {}, {}, colour};
  const size_t n = rows.size(), buckets = n > 2 * kBuckets ? kBuckets : n;
  for (size_t b = 0; b < buckets; ++b) {
    const size_t begin = b * n / buckets, end = (b + 1) * n / buckets;
    size_t lo = end, hi = end;
    for (size_t i = begin; i < end; ++i) {
      const double y = y_of(rows[i]);
      if (!std::isfinite(y)) continue;
      if (lo == end || y < y_of(rows[lo])) lo = i;
      if (hi == end || y > y_of(rows[hi])) hi = i;
    }
    if (lo == end) {
      line.x.push_back(static_cast<PLFLT>(x_of(rows[begin])));
      line.y.push_back(NAN);
      continue;
    }
    const auto add = [&](size_t i) {
      line.x.push_back(static_cast<PLFLT>(x_of(rows[i])));
      line.y.push_back(y_of(rows[i]));
    };
    add(std::min(lo, hi));
    if (lo != hi) add(std::max(lo, hi));
  }
  return line;
}

// The range of the finite values of `values`; false if there are none.
bool finite_range(const std::vector<PLFLT>& values, Range& range) {
  bool any = false;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    range = any ? Range{std::min(range.lo, v), std::max(range.hi, v)} : Range{v, v};
    any = true;
  }
  return any;
}

// A non-empty range around `r`: 5% margins; a constant series gets +-5% of its value (or +-1).
Range padded(Range r) {
  const double span = r.hi - r.lo, scale = std::max(std::fabs(r.lo), std::fabs(r.hi));
  if (!std::isfinite(span)) return r;
  if (span <= 1e-9 * scale) {
    const double half = scale > 0 ? 0.05 * scale : 1.0;
    return {r.lo - half, r.hi + half};
  }
  return {r.lo - 0.05 * span, r.hi + 0.05 * span};
}

// Draws the finite runs of `line`: a polyline each, a symbol for a run of one point.
void draw_line(const Line& line, bool markers) {
  plcol0(line.colour);
  const size_t n = line.y.size();
  for (size_t begin = 0; begin < n;) {
    if (!std::isfinite(line.y[begin])) { ++begin; continue; }
    size_t end = begin;
    while (end < n && std::isfinite(line.y[end])) ++end;
    const auto count = static_cast<PLINT>(end - begin);
    if (count > 1) plline(count, &line.x[begin], &line.y[begin]);
    if (count == 1 || markers) plpoin(count, &line.x[begin], &line.y[begin], 4);
    begin = end;
  }
}

// Where drawn points fall, in [0, 1]^2 of a panel's box (to place its legend).
using Occupied = std::vector<std::pair<double, double>>;

// Sets the window for `lines` (log10 of y if `log_y`), draws them and their y axis on the left
// or right, and adds their points to `occupied`; false if they hold no finite value (then only
// the axis line and label are drawn).
bool draw_scale(std::vector<Line> lines, const Range& x, bool log_y, bool left, const Panel& panel,
                Occupied& occupied) {
  Range y{0, 1};
  bool any = false;
  for (auto& line : lines) {
    if (log_y) for (auto& v : line.y) v = std::log10(v);
    Range r;
    if (finite_range(line.y, r)) {
      y = any ? Range{std::min(y.lo, r.lo), std::max(y.hi, r.hi)} : r;
      any = true;
    }
  }
  if (log_y && any) {
    y = {std::floor(y.lo), std::ceil(y.hi)};
    if (y.hi == y.lo) y.hi += 1;
  } else if (any) {
    y = padded(y);
  }
  const PLFLT y_tick = log_y ? std::max(1.0, std::ceil((y.hi - y.lo) / 6)) : 0;
  const std::string log = log_y ? "l" : "";
  plwind(x.lo, x.hi, y.lo, y.hi);
  if (left) {
    plcol0(kGrid);
    plbox("g", 0, 0, (any ? "g" + log : "").c_str(), y_tick, 0);
  }
  for (const auto& line : lines) {
    draw_line(line, panel.markers);
    for (size_t i = 0; i < line.y.size(); ++i)
      if (std::isfinite(line.y[i]))
        occupied.emplace_back((line.x[i] - x.lo) / (x.hi - x.lo), (line.y[i] - y.lo) / (y.hi - y.lo));
  }
  plcol0(kInk);
  const std::string box = std::string(left ? "b" : "c") + (left && !panel.two_scales ? "c" : "") +
                          (any ? (left ? "nst" : "mst") + log : "");
  plbox(left ? "bcnsto" : "", 0, 0, box.c_str(), y_tick, 0);
  plcol0(panel.two_scales ? lines[0].colour : kInk);
  const std::string& label = panel.two_scales ? lines[0].label : panel.y_label;
  plmtex(left ? "l" : "r", any ? 4.0 : 1.5, 0.5, 0.5, label.c_str());
  return any;
}

// The inside corner of the box where the fewest points were drawn (top right on ties).
PLINT legend_position(const Occupied& occupied) {
  PLINT best = 0;
  size_t fewest = occupied.size() + 1;
  for (const PLINT vertical : {PL_POSITION_TOP, PL_POSITION_BOTTOM}) {
    for (const PLINT horizontal : {PL_POSITION_RIGHT, PL_POSITION_LEFT}) {
      size_t count = 0;
      for (const auto& [px, py] : occupied)
        count += (horizontal == PL_POSITION_RIGHT ? px > 0.5 : px < 0.5) &&
                 (vertical == PL_POSITION_TOP ? py > 0.7 : py < 0.3);
      if (count < fewest) fewest = count, best = vertical | horizontal;
    }
  }
  return best | PL_POSITION_INSIDE;
}

void draw_legend(const Panel& panel, const Occupied& occupied) {
  const PLINT opts[2] = {PL_LEGEND_LINE, PL_LEGEND_LINE};
  const PLINT text_colours[2] = {kInk, kInk}, styles[2] = {1, 1};
  const PLINT colours[2] = {panel.lines[0].colour, panel.lines[1].colour};
  const PLFLT widths[2] = {2, 2};
  std::string texts[2];
  for (int i = 0; i < 2; ++i) {
    Range unused;
    texts[i] = panel.lines[i].label + (panel.two_scales ? (i == 0 ? " (left)" : " (right)") : "") +
               (finite_range(panel.lines[i].y, unused) ? "" : " (no data)");
  }
  const char* text[2] = {texts[0].c_str(), texts[1].c_str()};
  PLFLT width = 0, height = 0;
  pllegend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, legend_position(occupied),
           0.02, 0.03, 0.06, kLegendBack, kInk, 1, 0, 0, 2, opts, 0.8, 0.7, 1.8, 0, text_colours, text,
           nullptr, nullptr, nullptr, nullptr, colours, styles, widths, nullptr, nullptr, nullptr, nullptr);
}

void draw_panel(const Panel& panel, const Range& x, PLINT subpage) {
  pladv(subpage);
  plvpor(0.16, panel.two_scales ? 0.84 : 0.95, 0.19, 0.88);
  plcol0(kInk);
  plmtex("t", 1.0, 0.5, 0.5, panel.title.c_str());
  plmtex("b", 3.0, 0.5, 0.5, "iteration");
  const auto on_left = static_cast<std::ptrdiff_t>(panel.two_scales ? 1 : panel.lines.size());
  const auto split = panel.lines.begin() + on_left;
  const std::vector<Line> left(panel.lines.begin(), split), right(split, panel.lines.end());
  bool log_y = panel.log_allowed;
  for (const auto& line : left)
    for (const double v : line.y) log_y = log_y && !(std::isfinite(v) && v <= 0);
  Occupied occupied;
  bool drawn = draw_scale(left, x, log_y, true, panel, occupied);
  if (!right.empty()) drawn = draw_scale(right, x, false, false, panel, occupied) || drawn;
  if (!drawn) {
    plwind(0, 1, 0, 1);
    plcol0(kInk);
    plptex(0.5, 0.5, 1, 0, 0.5, "no finite values");
  }
  if (panel.lines.size() == 2) draw_legend(panel, occupied);
}

// Tick labels of the iteration axis: 20000 as "20k" once the axis reaches 10000.
void iteration_label(PLINT, PLFLT value, char* label, PLINT length, PLPointer data) {
  const double extent = static_cast<const Range*>(data)->hi;
  if (std::fabs(value) < 1e-9 * std::max(1.0, std::fabs(extent))) value = 0;
  if (extent >= 1e4)
    std::snprintf(label, static_cast<size_t>(length), "%gk", value / 1000);
  else
    std::snprintf(label, static_cast<size_t>(length), "%g", value);
}

std::vector<Panel> make_panels(const std::vector<IterationMetrics>& rows,
                               const std::vector<EvalPoint>& evals) {
  using M = IterationMetrics;
  const auto it = [](const M& m) { return m.iteration; };
  const auto line = [&](std::string label, double M::*field, PLINT colour = kFirst) {
    return make_line(std::move(label), rows, it, [field](const M& m) { return m.*field; }, colour);
  };
  std::vector<Panel> panels;
  panels.push_back({"energy difference", "f(x#u+#d) - f(x#u-#d)", {line("", &M::energy_diff)}});
  panels.push_back({"energies", "mean energy",
                    {line("f(x#u+#d) data", &M::energy_data),
                     line("f(x#u-#d) samples", &M::energy_samples, kSecond)}});
  panels.push_back({"chain gradient norm", "mean ||df/dx|| over the chain",
                    {line("", &M::chain_grad_norm)}, false, false, true});
  panels.push_back({"loss", "mean f(x#u-#d) - mean f(x#u+#d)", {line("", &M::loss)}});
  panels.push_back({"learning rate and data noise", "",
                    {line("lr", &M::lr), line("#gs data noise", &M::data_noise, kSecond)}, true});
  if (evals.empty()) {
    panels.push_back({"parameter gradient norm", "||dloss/d#gh||", {line("", &M::param_grad_norm)},
                      false, false, true});
    return panels;
  }
  std::vector<EvalPoint> sorted = evals;
  const auto e_it = [](const EvalPoint& e) { return e.iteration; };
  std::sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) { return e_it(a) < e_it(b); });
  panels.push_back({"sample quality", "",
                    {make_line("FID", sorted, e_it, [](const EvalPoint& e) { return e.fid; }, kFirst),
                     make_line("KID", sorted, e_it, [](const EvalPoint& e) { return e.kid; }, kSecond)},
                    true, true});
  return panels;
}

// The iterations the x axes span (rows and evaluations), never empty.
Range x_range(const std::vector<IterationMetrics>& rows, const std::vector<EvalPoint>& evals) {
  std::vector<PLFLT> xs;
  for (const auto& r : rows) xs.push_back(static_cast<PLFLT>(r.iteration));
  for (const auto& e : evals) xs.push_back(static_cast<PLFLT>(e.iteration));
  Range x{0, 1};
  finite_range(xs, x);
  if (x.hi == x.lo) x = {x.lo - 1, x.hi + 1};
  return x;
}

// One PLplot stream drawing into `file` (which it closes); the caller's stream is restored.
class PlotStream {
 public:
  PlotStream(std::FILE* file, PLINT columns, PLINT rows, const std::string& path) {
    plgstrm(&previous_);
    plmkstrm(&id_);
    if (id_ < 0) {
      plsstrm(previous_);
      std::fclose(file);
      throw write_error(path, "PLplot has no free stream");
    }
    static const PLINT r[kColours] = {255, 25, 31, 230, 215, 255};
    static const PLINT g[kColours] = {255, 25, 100, 110, 215, 255};
    static const PLINT b[kColours] = {255, 25, 180, 20, 215, 255};
    plscmap0(r, g, b, kColours);
    plscol0a(kLegendBack, 255, 255, 255, 0.85);
    plsdev("pngcairo");
    plspage(90, 90, kTrainingCurvesWidth, kTrainingCurvesHeight, 0, 0);
    plssub(columns, rows);
    plsfile(file);
    plinit();
    plschr(0, 0.85);
    plwidth(1.3);
  }
  ~PlotStream() {
    plsstrm(id_);
    plend1();  // writes the PNG, closes the file, frees the stream
    plsstrm(previous_);
  }
  PlotStream(const PlotStream&) = delete;
  PlotStream& operator=(const PlotStream&) = delete;

 private:
  PLINT previous_ = 0, id_ = -1;
};

bool pngcairo_available() {
  const char* menus[128];
  const char* names[128];
  const char** menu_list = menus;
  const char** name_list = names;
  int count = 128;
  plgDevs(&menu_list, &name_list, &count);
  for (int i = 0; i < count; ++i)
    if (std::strcmp(names[i], "pngcairo") == 0) return true;
  return false;
}

// The PNG signature at the start and the IEND chunk at the end: the file is whole.
bool complete_png(const std::string& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() < 8 + 25 + 12) return false;
  const std::streamoff size = in.tellg();
  char head[8], tail[12];
  in.seekg(0).read(head, 8);
  in.seekg(size - 12).read(tail, 12);
  return in && std::memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && std::memcmp(tail + 4, "IEND", 4) == 0;
}

}  // namespace

void write_training_curves_png(const std::string& path, const std::vector<IterationMetrics>& rows,
                               const std::vector<EvalPoint>& evals) {
  if (!pngcairo_available())
    throw write_error(path, "PLplot's pngcairo driver is missing (Debian: plplot-driver-cairo)");
  const std::string partial = path + ".partial";
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) throw write_error(path, std::strerror(errno));
  try {
    if (rows.empty()) {
      PlotStream stream(file, 1, 1, path);
      pladv(0);
      plvpor(0, 1, 0, 1);
      plwind(0, 1, 0, 1);
      plschr(0, 2.0);
      plcol0(kInk);
      plptex(0.5, 0.5, 1, 0, 0.5, "no metrics yet");
    } else {
      const auto panels = make_panels(rows, evals);
      Range x = x_range(rows, evals);
      PlotStream stream(file, 3, 2, path);
      plslabelfunc(iteration_label, &x);
      for (size_t i = 0; i < panels.size(); ++i) draw_panel(panels[i], x, static_cast<PLINT>(i + 1));
    }
  } catch (...) {
    std::remove(partial.c_str());
    throw;
  }
  if (!complete_png(partial)) {
    std::remove(partial.c_str());
    throw write_error(path, "the PNG was not written completely (disk full?)");
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(partial.c_str());
    throw write_error(path, std::strerror(error));
  }
}

bool training_curves_available() { return true; }

}  // namespace srm
