// The outcome rule every fuzz harness shares: an input is accepted ("") or rejected
// with one minnow::Error line, as the CLI prints it. A message that spans lines is a
// bug like a crash, so it traps here and the fuzzer keeps the input.
#pragma once

#include <string>

#include "core/error.h"

namespace minnow::fuzz {

inline std::string rejection(const Error& error) {
  std::string message = error.what();
  if (message.find_first_of("\n\r") != std::string::npos) __builtin_trap();
  return message;
}

}  // namespace minnow::fuzz
