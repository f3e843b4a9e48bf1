// TensorBoard event file writer (see event_file_writer.h). Events are built with the messages
// of tensorboard_event.proto and framed by record_framing.h.
#include "tensorboard/event_file_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "tensorboard/record_framing.h"
#include "tensorboard/tensorboard_event.pb.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// "events.out.tfevents.1700000000.host", the seconds zero-padded to 10 digits, as
// TensorBoard's own writer names them, so that names sort in creation order.
std::string base_name(double wall_time) {
  std::string seconds = std::to_string(static_cast<long long>(wall_time));
  if (seconds.size() < 10) seconds.insert(0, 10 - seconds.size(), '0');
  return "events.out.tfevents." + seconds + "." + host_name();
}

std::string serialize(const tb::Event& event, const std::string& path) {
  std::string bytes;
  if (!event.SerializeToString(&bytes)) throw std::runtime_error("cannot serialize an event for \"" + path + "\"");
  return bytes;
}

tb::Event summary_event(int64_t step, double wall_time) {
  tb::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  return event;
}

}  // namespace

double unix_wall_time() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) * 1e-6;
}

EventFileWriter::EventFileWriter(const std::string& dir) : EventFileWriter(dir, unix_wall_time()) {}

EventFileWriter::EventFileWriter(const std::string& dir, double wall_time) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw std::runtime_error("cannot create the TensorBoard directory \"" + dir + "\": " + error.message());
  const std::string base = (fs::path(dir) / base_name(wall_time)).string();
  // "x": create exclusively, so an existing file (an earlier segment's) is never reused.
  for (int suffix = 0; !file_; ++suffix) {
    path_ = suffix == 0 ? base : base + "." + std::to_string(suffix);
    file_.reset(std::fopen(path_.c_str(), "wbx"));
    if (!file_ && (errno != EEXIST || suffix >= 9999))
      throw std::runtime_error("cannot create the event file \"" + path_ + "\": " + std::strerror(errno));
  }
  tb::Event first;
  first.set_wall_time(wall_time);
  first.set_file_version("brain.Event:2");
  write_record(serialize(first, path_));
  flush();  // the file is a valid, readable event file from the start
}

EventFileWriter::~EventFileWriter() {
  try {
    close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
  }
}

void EventFileWriter::add_scalar(const std::string& tag, double value, int64_t step, double wall_time) {
  tb::Event event = summary_event(step, wall_time);
  tb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  write_record(serialize(event, path_));
}

void EventFileWriter::add_image(const std::string& tag, const std::string& png_bytes, int height, int width,
                                int channels, int64_t step, double wall_time) {
  tb::Event event = summary_event(step, wall_time);
  tb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  tb::Summary::Image* image = v->mutable_image();
  image->set_height(height);
  image->set_width(width);
  image->set_colorspace(channels);
  image->set_encoded_image_string(png_bytes);
  write_record(serialize(event, path_));
}

void EventFileWriter::add_text(const std::string& tag, const std::string& markdown, int64_t step, double wall_time) {
  tb::Event event = summary_event(step, wall_time);
  tb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  tb::TensorProto* tensor = v->mutable_tensor();
  tensor->set_dtype(tb::DT_STRING);
  tensor->mutable_tensor_shape();  // present and without dims: a scalar
  tensor->add_string_val(markdown);
  write_record(serialize(event, path_));
}

void EventFileWriter::add_session_start(int64_t step, double wall_time) {
  tb::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  event.mutable_session_log()->set_status(tb::SessionLog::START);
  write_record(serialize(event, path_));
}

void EventFileWriter::write_record(const std::string& event_bytes) {
  if (!file_) throw std::runtime_error("the event file \"" + path_ + "\" is closed");
  const std::string record = frame_record(event_bytes);
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size())
    throw std::runtime_error("cannot write the event file \"" + path_ + "\": " + std::strerror(errno));
}

void EventFileWriter::flush() {
  if (file_ && std::fflush(file_.get()) != 0)
    throw std::runtime_error("cannot write the event file \"" + path_ + "\": " + std::strerror(errno));
}

void EventFileWriter::close() {
  if (!file_) return;
  const bool failed = std::ferror(file_.get()) != 0 || std::fflush(file_.get()) != 0;
  const int error = errno;
  const bool close_failed = std::fclose(file_.release()) != 0;
  if (failed || close_failed)
    throw std::runtime_error("cannot write the event file \"" + path_ + "\": " +
                             std::strerror(failed ? error : errno));
}

}  // namespace srm
