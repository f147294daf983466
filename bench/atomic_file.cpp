#include "atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "servers.hpp"

namespace bench {

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(getpid());
  // A temporary left by an earlier failure of this process is replaced.
  std::error_code ignored;
  std::filesystem::remove(tmp, ignored);
  // Registered with the interrupt's clean-up while it exists.
  const int fd = create_temp_file(tmp);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  // A failed write (disk full, a file size limit) removes the temporary: no
  // half-written file is left beside the results.
  auto fail = [&](const std::string& what, int error) {
    close(fd);
    std::filesystem::remove(tmp, ignored);
    forget_temp_path(tmp);
    throw std::runtime_error(what + ": " + std::strerror(error));
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write " + tmp.string(), n < 0 ? errno : ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0) {
    const int error = errno;
    std::filesystem::remove(tmp, ignored);
    forget_temp_path(tmp);
    throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(error));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ignored);
  forget_temp_path(tmp);
  if (ec) throw std::runtime_error("cannot replace " + path.string() + ": " + ec.message());
}

}  // namespace bench
