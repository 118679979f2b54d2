// state_dict / load_state_dict. Parameters are written in their logical shape
// whatever layout their op moved them to; loading hands each parameter a plain
// tensor (its op moves it again on first use) and copies buffers in place, since
// ops hold the buffer storage (BN's running statistics).
#include "train/state_dict.h"

#include <cstring>
#include <set>

#include "core/error.h"
#include "core/reorder.h"

namespace minnow {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  constexpr size_t kShown = 8;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i) out += ", ";
    out.append("'").append(printable(names[i])).append("'");
  }
  if (names.size() > kShown) out += " and " + std::to_string(names.size() - kShown) + " more";
  return out;
}

}  // namespace

SafeTensors state_dict(const Module& module, const std::string& prefix) {
  SafeTensors file;
  for (const auto& p : module.named_parameters())
    file.tensors.emplace_back(prefix + p.name, Tensor::from_plain(p.shape, p.var.data().to_plain()));
  for (const auto& b : module.named_buffers()) file.tensors.emplace_back(prefix + b.name, b.tensor.clone());
  return file;
}

void load_state_dict(Module& module, const SafeTensors& file, const std::string& source, const std::string& prefix) {
  std::set<std::string> expected;
  std::vector<std::string> missing, misshaped;
  auto find = [&](const std::string& name, const Dims& shape) -> const Tensor* {
    expected.insert(prefix + name);
    const Tensor* t = file.find(prefix + name);
    if (t == nullptr) {
      missing.push_back(prefix + name);
    } else if (t->numel() != product(shape) || (t->dims() != shape && t->dims() != Dims{1})) {
      misshaped.push_back(prefix + name + " (file " + dims_str(t->dims()) + ", model " + dims_str(shape) + ")");
      return nullptr;
    }
    return t;
  };
  const auto params = module.named_parameters();
  const auto buffers = module.named_buffers();
  std::vector<std::pair<const NamedParameter*, const Tensor*>> param_sources;
  std::vector<std::pair<const NamedBuffer*, const Tensor*>> buffer_sources;
  for (const auto& p : params)
    if (const Tensor* t = find(p.name, p.shape)) param_sources.emplace_back(&p, t);
  for (const auto& b : buffers)
    if (const Tensor* t = find(b.name, b.tensor.dims())) buffer_sources.emplace_back(&b, t);
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : file.tensors)
    if (name.starts_with(prefix) && !expected.contains(name)) unexpected.push_back(name);

  // Every kind of mismatch in one line: a renamed tensor shows up as missing and as unexpected.
  std::string problems;
  auto report = [&](const std::vector<std::string>& names, const char* what) {
    if (names.empty()) return;
    if (!problems.empty()) problems += "; ";
    problems.append(std::to_string(names.size())).append(what).append(join_names(names));
  };
  report(missing, " tensor(s) of the model are missing: ");
  report(misshaped, " tensor(s) have the wrong shape: ");
  report(unexpected, " tensor(s) are not in the model: ");
  MINNOW_CHECK(problems.empty(), source, ": ", problems);

  for (const auto& [p, t] : param_sources) {
    p->var.zero_grad();
    p->var.set_data(Tensor::from_plain(p->shape, t->to_plain()));
  }
  for (const auto& [b, t] : buffer_sources) {
    if (t->dtype() == b->tensor.dtype()) {
      std::memcpy(b->tensor.raw(), t->raw(), t->bytes());
    } else {
      reorder_into(Tensor::from_plain(b->tensor.dims(), t->to_plain(), b->tensor.dtype()), b->tensor);
    }
  }
}

}  // namespace minnow
