// TensorBoard event files written from C++: CRC-32C against published vectors, the TFRecord
// mask against TensorBoard's own Python implementation, and event files read back byte by byte
// here (not with the library's own reader), every CRC checked, every Event parsed and compared.
// Needs no LibTorch.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensorboard/crc32c.h"
#include "tensorboard/event_file_trim.h"
#include "tensorboard/event_file_writer.h"
#include "tensorboard/record_framing.h"
#include "tensorboard/tensorboard_event.pb.h"
#include "test_support.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint64_t little_endian(const std::string& bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) value |= uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  return value;
}

// Every record of an event file, parsed; fails the test on a bad CRC or a cut-short record.
std::vector<tb::Event> read_events(const std::string& path) {
  const std::string bytes = file_bytes(path);
  std::vector<tb::Event> events;
  size_t at = 0;
  while (at < bytes.size()) {
    EXPECT_GE(bytes.size() - at, 16u) << "record header cut short at byte " << at;
    if (bytes.size() - at < 16) break;
    const uint64_t length = little_endian(bytes, at, 8);
    EXPECT_EQ(little_endian(bytes, at + 8, 4), mask_crc32c(crc32c(bytes.data() + at, 8))) << "length CRC at " << at;
    EXPECT_LE(length, bytes.size() - at - 16) << "record data cut short at byte " << at;
    if (length > bytes.size() - at - 16) break;
    const std::string data = bytes.substr(at + 12, length);
    EXPECT_EQ(little_endian(bytes, at + 12 + length, 4), mask_crc32c(crc32c(data))) << "data CRC at " << at;
    tb::Event event;
    EXPECT_TRUE(event.ParseFromString(data)) << "record at byte " << at << " is not an Event";
    events.push_back(event);
    at += 16 + length;
  }
  return events;
}

std::vector<std::string> event_files(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path().string());
  return files;
}

TEST(Crc32c, PublishedCheckValues) {
  EXPECT_EQ(crc32c(std::string_view("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(std::string_view("")), 0u);
  // RFC 3720 (iSCSI), appendix B.4.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(Crc32c, MaskMatchesTensorBoard) {
  EXPECT_EQ(mask_crc32c(0), 0xA282EAD8u);
  EXPECT_EQ(mask_crc32c(0x12345678u), 0x4F730F40u);
  // tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c(b"123456789")
  EXPECT_EQ(mask_crc32c(crc32c(std::string_view("123456789"))), 0xC78AB0E5u);
}

TEST(RecordFraming, ReadsBackAndStopsAtADamagedTail) {
  test::TempDir dir;
  const std::string path = dir.file("records");
  {
    std::ofstream out(path, std::ios::binary);
    out << frame_record("first") << frame_record("") << frame_record("third");
  }
  RecordScan scan = read_records(path);
  EXPECT_TRUE(scan.clean_end);
  EXPECT_EQ(scan.records, (std::vector<std::string>{"first", "", "third"}));
  fs::resize_file(path, fs::file_size(path) - 1);  // the last record cut short
  scan = read_records(path);
  EXPECT_FALSE(scan.clean_end);
  EXPECT_EQ(scan.records, (std::vector<std::string>{"first", ""}));
}

TEST(EventFileWriter, RoundTripsScalarImageAndText) {
  test::TempDir dir;
  const std::string png("\x89PNG\r\n\x1a\n fake image bytes\0with a zero", 36);
  std::string path;
  {
    EventFileWriter writer((dir.path() / "tb").string(), 1700000000.25);
    path = writer.path();
    writer.add_session_start(1, 1700000000.5);
    writer.add_scalar("train/loss", 0.125, 7, 1700000001.5);
    writer.add_image("samples", png, 28, 56, 1, 100, 1700000002.0);
    writer.add_text("config", "# resolved config\n\n    train:\n      iterations: 3", 0, 1700000003.0);
  }  // the destructor flushes and closes
  EXPECT_EQ(fs::path(path).parent_path(), dir.path() / "tb");
  EXPECT_EQ(fs::path(path).filename().string().rfind("events.out.tfevents.1700000000.", 0), 0u) << path;

  const std::vector<tb::Event> events = read_events(path);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_DOUBLE_EQ(events[0].wall_time(), 1700000000.25);

  ASSERT_TRUE(events[1].has_session_log());
  EXPECT_EQ(events[1].session_log().status(), tb::SessionLog::START);
  EXPECT_EQ(events[1].step(), 1);

  ASSERT_EQ(events[2].summary().value_size(), 1);
  const auto& scalar = events[2].summary().value(0);
  EXPECT_EQ(events[2].step(), 7);
  EXPECT_DOUBLE_EQ(events[2].wall_time(), 1700000001.5);
  EXPECT_EQ(scalar.tag(), "train/loss");
  ASSERT_TRUE(scalar.has_simple_value());
  EXPECT_EQ(scalar.simple_value(), 0.125f);

  ASSERT_EQ(events[3].summary().value_size(), 1);
  const auto& image = events[3].summary().value(0);
  EXPECT_EQ(events[3].step(), 100);
  EXPECT_EQ(image.tag(), "samples");
  ASSERT_TRUE(image.has_image());
  EXPECT_EQ(image.image().height(), 28);
  EXPECT_EQ(image.image().width(), 56);
  EXPECT_EQ(image.image().colorspace(), 1);
  EXPECT_EQ(image.image().encoded_image_string(), png);

  ASSERT_EQ(events[4].summary().value_size(), 1);
  const auto& text = events[4].summary().value(0);
  EXPECT_EQ(events[4].step(), 0);
  EXPECT_EQ(text.tag(), "config");
  EXPECT_EQ(text.metadata().plugin_data().plugin_name(), "text");
  ASSERT_TRUE(text.has_tensor());
  EXPECT_EQ(text.tensor().dtype(), tb::DT_STRING);
  EXPECT_TRUE(text.tensor().has_tensor_shape());
  EXPECT_EQ(text.tensor().tensor_shape().dim_size(), 0);  // a scalar
  ASSERT_EQ(text.tensor().string_val_size(), 1);
  EXPECT_EQ(text.tensor().string_val(0), "# resolved config\n\n    train:\n      iterations: 3");
}

TEST(EventFileWriter, FlushMakesRecordsVisibleWhileOpen) {
  test::TempDir dir;
  EventFileWriter writer(dir.path().string(), 1700000000.0);
  EXPECT_EQ(read_events(writer.path()).size(), 1u);  // the file_version record is flushed at once
  writer.add_scalar("train/lr", 1e-4, 1, 1700000000.5);
  writer.flush();
  const auto events = read_events(writer.path());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].summary().value(0).simple_value(), static_cast<float>(1e-4));
}

TEST(EventFileWriter, SameSecondSameDirectoryGivesDistinctFiles) {
  test::TempDir dir;
  EventFileWriter first(dir.path().string(), 1700000000.1);
  EventFileWriter second(dir.path().string(), 1700000000.9);
  EventFileWriter third(dir.path().string(), 1700000000.5);
  EXPECT_NE(first.path(), second.path());
  EXPECT_NE(second.path(), third.path());
  EXPECT_EQ(second.path(), first.path() + ".1");
  EXPECT_EQ(third.path(), first.path() + ".2");
  first.add_scalar("a", 1, 1, 1700000001.0);
  second.add_scalar("a", 2, 2, 1700000001.0);
  first.close();
  second.close();
  EXPECT_EQ(read_events(first.path()).size(), 2u);  // neither wrote into the other's file
  EXPECT_EQ(read_events(second.path()).size(), 2u);
  EXPECT_EQ(event_files(dir.path()).size(), 3u);
}

TEST(EventFileWriter, ErrorsNameThePath) {
  test::TempDir dir;
  std::ofstream(dir.file("plain_file")) << "not a directory";
  const std::string bad = dir.file("plain_file") + "/tb";
  try {
    EventFileWriter writer(bad, 1700000000.0);
    FAIL() << "no error for " << bad;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  EventFileWriter writer(dir.path().string(), 1700000000.0);
  writer.close();
  EXPECT_THROW(writer.add_scalar("a", 1, 1, 0), std::runtime_error);
}

TEST(KeepEventsUpTo, DropsStepsPastTheResumePointAndADamagedTail) {
  test::TempDir dir;
  std::string old_path, done_path;
  {
    EventFileWriter done(dir.path().string(), 1600000000.0);  // an earlier, untouched segment
    done_path = done.path();
    done.add_scalar("train/loss", 1, 1, 1600000001.0);
    EventFileWriter old(dir.path().string(), 1700000000.0);
    old_path = old.path();
    for (int64_t step = 2; step <= 6; ++step)
      old.add_scalar("train/loss", static_cast<double>(step), step, 1700000001.0);
  }
  fs::resize_file(old_path, fs::file_size(old_path) - 3);  // killed mid-record
  const auto done_before = file_bytes(done_path);

  EXPECT_EQ(keep_events_up_to(dir.path().string(), 4), 1);
  EXPECT_EQ(file_bytes(done_path), done_before);
  const auto events = read_events(old_path);
  ASSERT_EQ(events.size(), 4u);  // file_version, steps 2..4
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(events[3].step(), 4);
  EXPECT_EQ(event_files(dir.path()).size(), 2u);  // no temporary left behind
  EXPECT_EQ(keep_events_up_to(dir.path().string(), 4), 0);  // nothing more to drop
  EXPECT_EQ(keep_events_up_to(dir.file("absent"), 4), 0);
}

}  // namespace
}  // namespace srm
