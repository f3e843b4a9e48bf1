// The background writer runs jobs in submission order on its own thread, drain() waits for
// them all, and a job's error reaches the submitting thread at the next submit() or drain().
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "io/background_writer.h"

namespace srm {
namespace {

TEST(BackgroundWriter, RunsJobsInOrderOffTheCallingThread) {
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  BackgroundWriter writer;
  for (int i = 0; i < 50; ++i)
    writer.submit([&order, &threads, i] {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      order.push_back(i);
      threads.push_back(std::this_thread::get_id());
    });
  writer.drain();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
  for (const auto& id : threads) EXPECT_NE(id, std::this_thread::get_id());
  EXPECT_GT(writer.busy_seconds(), 50 * 100e-6 * 0.9);
}

TEST(BackgroundWriter, SubmitReturnsBeforeTheJobFinishes) {
  std::atomic<bool> release{false}, done{false};
  BackgroundWriter writer;
  writer.submit([&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    done = true;
  });
  EXPECT_FALSE(done);  // the job is blocked, yet submit returned
  release = true;
  writer.drain();
  EXPECT_TRUE(done);
}

TEST(BackgroundWriter, AFailedJobIsRethrownAndLaterJobsAreSkipped) {
  BackgroundWriter writer;
  bool later_ran = false;
  writer.submit([] { throw std::runtime_error("disk full writing archive.h5"); });
  writer.submit([&later_ran] { later_ran = true; });
  try {
    writer.drain();
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full writing archive.h5");
  }
  EXPECT_FALSE(later_ran);
  EXPECT_THROW(writer.submit([] {}), std::runtime_error);
}

}  // namespace
}  // namespace srm
