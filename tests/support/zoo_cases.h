// Parameterised tests over the zoo: a model spec with the input size to run it at, and a
// test-name suffix that tells ShuffleNet v1's group counts apart.
#pragma once

#include <string>

#include "models/zoo.h"

namespace minnow::test_support {

struct ZooCase {
  ModelSpec spec;
  int64_t resolution;
  double tolerance = 0;  // a test's own bound, where it needs one per family
};

// "mobilenet_v2", "shufflenet_v1_g3", ...
inline std::string zoo_case_name(const ZooCase& c) {
  return c.spec.name + (c.spec.name == "shufflenet_v1" ? "_g" + std::to_string(c.spec.groups) : "");
}

}  // namespace minnow::test_support
