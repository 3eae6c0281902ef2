// Helpers shared by the core unit tests: stderr capture and a simple gate.
#pragma once

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

namespace pythreading::testing {

/// Redirects file descriptor 2 (and the stderr FILE) to a temporary file while alive.
class CaptureStderr {
 public:
  CaptureStderr() : tmp_(std::tmpfile()) {
    std::fflush(stderr);
    saved_ = dup(2);
    dup2(fileno(tmp_), 2);
  }
  ~CaptureStderr() {
    restore();
    std::fclose(tmp_);
  }
  CaptureStderr(const CaptureStderr&) = delete;
  CaptureStderr& operator=(const CaptureStderr&) = delete;

  /// Stops capturing and returns everything written meanwhile.
  std::string text() {
    restore();
    std::string out;
    std::rewind(tmp_);
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, tmp_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::FILE* tmp_;
  int saved_ = -1;
};

/// A one-shot gate threads can wait on.
class Gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace pythreading::testing
