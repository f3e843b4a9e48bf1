// Writes that survive a crash of the process or the machine: fsync of a file or folder, an
// atomic rename followed by an fsync of the folder, and a small text file replaced atomically
// (written aside as .NAME.partial, synced, renamed over NAME). Used by the checkpoint store
// (files and its `latest` marker) and the checksum sidecars. Errors are std::runtime_error
// naming the path and the system's reason.
#pragma once

#include <string>

namespace srm {

void fsync_path(const std::string& path, bool directory);

// rename(from, to) then fsync of `to`'s folder.
void rename_durably(const std::string& from, const std::string& to);

// Replaces `path` with `text` atomically and durably.
void write_text_durably(const std::string& path, const std::string& text);

}  // namespace srm
