// The progress watchdog fires once when heartbeats stop, with a message naming the last
// iteration, and never while they keep coming.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "comm/progress_watchdog.h"

namespace srm {
namespace {

TEST(ProgressWatchdog, FiresWhenBeatsStop) {
  std::atomic<int> fired{0};
  std::string message;
  {
    ProgressWatchdog dog(0.2, [&](const std::string& m) {
      message = m;
      ++fired;
    });
    dog.beat(7);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
  }
  EXPECT_EQ(fired.load(), 1);
  EXPECT_NE(message.find("no progress for"), std::string::npos) << message;
  EXPECT_NE(message.find("after iteration 7"), std::string::npos) << message;
}

TEST(ProgressWatchdog, QuietWhileBeating) {
  std::atomic<int> fired{0};
  {
    ProgressWatchdog dog(0.3, [&](const std::string&) { ++fired; });
    for (int i = 0; i < 10; ++i) {
      dog.beat(i);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_EQ(fired.load(), 0);
}

}  // namespace
}  // namespace srm
