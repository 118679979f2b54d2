// Runs tests/parity/optim_parity.py in one of its safetensors modes ("optim", "clip") on a
// request and returns PyTorch's response; throws if the script fails.
#pragma once

#include <string>

#include "core/error.h"
#include "core/safetensors.h"
#include "tests/support/python.h"

namespace minnow::test_support {

inline SafeTensors run_optim_parity(const std::string& mode, const SafeTensors& request) {
  const ScratchDir dir;
  const std::string in = dir.file("request.safetensors"), out = dir.file("response.safetensors");
  save_safetensors(in, request);
  const int status = run_python(parity_script("optim_parity.py"), {mode, in, out});
  MINNOW_CHECK(status == 0, "optim_parity.py ", mode, " exited with status ", status);
  return load_safetensors(out);
}

}  // namespace minnow::test_support
