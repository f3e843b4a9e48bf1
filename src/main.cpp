// srm-dist entry point: MPI session (when launched by mpirun/srun), parse the command line,
// run the command. Any error on any rank is printed as "[rank R@host] ..." and ends the whole
// job (MPI_Abort), so no rank is left waiting in a collective.
#include <fmt/format.h>

#include <exception>
#include <optional>
#include <stdexcept>

#include "cli/cli.h"
#include "comm/mpi_session.h"
#include "commands/eval_command.h"
#include "commands/fid_command.h"
#include "commands/inspect_command.h"
#include "commands/interpolate_command.h"
#include "commands/longrun_command.h"
#include "commands/reconstruct_command.h"
#include "commands/sample_command.h"
#include "commands/train_command.h"
#include "srm_version.h"
#include "util/stop_signal.h"

int main(int argc, char** argv) {
  srm::MpiSession session(&argc, &argv);
  // For train and bench, from before the command starts until main returns: SIGTERM / SIGUSR1
  // mean "checkpoint at the next step boundary and exit 0", also during the final drain.
  std::optional<srm::StopSignalGuard> stop_signals;
  const auto fail = [&session](int code, const std::string& message) {
    if (session.world_size() > 1) session.fail_job(message, code);
    fmt::print(stderr, "srm-dist: {}\n", message);
    return code;
  };
  try {
    session.refuse_unconnected_slurm_tasks();
    const srm::CliArgs args = srm::parse_cli(argc, argv);
    if (args.help) {
      if (session.rank() == 0) fmt::print("{}", srm::command_help_text(args.command));
      return 0;
    }
    if (args.version) {
      if (session.rank() == 0) fmt::print("srm-dist {}\n", SRM_DIST_VERSION);
      return 0;
    }
    const bool one_process_command =
        args.command == "inspect" || args.command == "interpolate" || args.command == "reconstruct" ||
        args.command == "longrun";
    if (one_process_command && session.world_size() > 1)
      throw std::runtime_error(fmt::format("{} runs in one process (every rank would do the whole job and write the "
                                           "same files): start it without mpirun/srun; sample and eval split their "
                                           "work over ranks", args.command));
    if (args.command == "inspect") return srm::run_inspect_command(args);
    if (args.command == "sample") return srm::run_sample_command(args, session);
    if (args.command == "interpolate") return srm::run_interpolate_command(args);
    if (args.command == "reconstruct") return srm::run_reconstruct_command(args);
    if (args.command == "longrun") return srm::run_longrun_command(args);
    if (args.command == "eval") return srm::run_eval_command(args, session);
    if (args.command == "fid") return srm::run_fid_command(args, session);
    stop_signals.emplace();
    return srm::run_train_command(args, session, *stop_signals);
  } catch (const srm::CliError& e) {
    return fail(2, std::string(e.what()) + "\nRun 'srm-dist --help' for the options.");
  } catch (const std::exception& e) {
    return fail(1, std::string("error: ") + e.what());
  }
}
