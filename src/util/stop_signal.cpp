// Signal handlers for the graceful stop (see stop_signal.h).
#include "util/stop_signal.h"

#include <csignal>

namespace srm {
namespace {

volatile std::sig_atomic_t g_received_signal = 0;  // written only by on_stop_signal

struct sigaction g_previous_term {};
struct sigaction g_previous_usr1 {};

extern "C" void on_stop_signal(int signal_number) {
  if (g_received_signal == 0) g_received_signal = signal_number;
}

void install(int signal_number, struct sigaction* previous) {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls (MPI, file I/O) resume instead of failing with EINTR
  sigaction(signal_number, &action, previous);
}

}  // namespace

StopSignalGuard::StopSignalGuard() {
  g_received_signal = 0;
  install(SIGTERM, &g_previous_term);
  install(SIGUSR1, &g_previous_usr1);
}

StopSignalGuard::~StopSignalGuard() {
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGUSR1, &g_previous_usr1, nullptr);
}

int StopSignalGuard::received() const { return static_cast<int>(g_received_signal); }

std::string stop_signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case 0: return "";
    default: return "signal " + std::to_string(signal_number);
  }
}

}  // namespace srm
