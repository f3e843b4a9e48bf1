// One TensorBoard event file: scalars, images and text, written natively (no Python, no
// TensorFlow) so that `tensorboard --logdir <run>/tb` shows a run live. Each writer creates a
// new file `<dir>/events.out.tfevents.<unix seconds>.<hostname>` (a suffix `.1`, `.2`, ... is
// added when that name exists, so a resumed segment never appends to or overwrites an earlier
// file), starts it with the file_version record TensorBoard expects, then appends one Event per
// call. Writes are buffered until flush(). Not thread-safe: use it from one thread (the
// trainer's background writer thread). Only the standard library is needed to include this;
// the protobuf messages stay in the .cpp.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace srm {

// Seconds since the Unix epoch, to the microsecond: the wall_time TensorBoard records.
double unix_wall_time();

class EventFileWriter {
 public:
  // Creates `dir` (and its parents) if needed and a new event file in it, named after
  // `wall_time` (default: now) and this host. Throws std::runtime_error naming the path.
  explicit EventFileWriter(const std::string& dir);
  EventFileWriter(const std::string& dir, double wall_time);
  ~EventFileWriter();  // flush() and close(); an error at this point is printed, not thrown
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  const std::string& path() const { return path_; }

  // A point of the scalar series `tag` (stored as float32 simple_value, as TensorBoard does).
  void add_scalar(const std::string& tag, double value, int64_t step, double wall_time);
  // An already encoded PNG (or JPEG) image; channels: 1 grey, 3 RGB, 4 RGBA.
  void add_image(const std::string& tag, const std::string& png_bytes, int height, int width, int channels,
                 int64_t step, double wall_time);
  // Markdown text for TensorBoard's Text tab (a scalar string tensor, plugin "text").
  void add_text(const std::string& tag, const std::string& markdown, int64_t step, double wall_time);

  // A SessionLog START at `step`: each segment of a run writes one first, at the first step it
  // will log. A live TensorBoard then drops what it holds for steps >= `step` (written by an
  // earlier segment after its last checkpoint); the first START of a run drops nothing.
  void add_session_start(int64_t step, double wall_time);

  // Hands the buffered records to the operating system (fflush), so readers see them.
  void flush();
  // Flushes and closes the file; later calls to add_* throw. Safe to call twice.
  void close();

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  // Appends one framed record holding `event_bytes` (a serialized Event).
  void write_record(const std::string& event_bytes);

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace srm
