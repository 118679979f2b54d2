// Registration and the recursive walks over a module tree.
#include "models/module.h"

#include "core/error.h"
#include "core/trace.h"

namespace minnow {
namespace {

std::string join(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  std::string out = prefix;
  out += '.';
  out += name;
  return out;
}

void check_unique(const std::string& name, const std::string& type, bool taken) {
  MINNOW_CHECK(!name.empty() && name.find('.') == std::string::npos, "module ", type,
               ": names must be non-empty and dot-free, got '", name, "'");
  MINNOW_CHECK(!taken, "module ", type, ": the name '", name, "' is already registered");
}

}  // namespace

Var Module::forward(const Var& x) {
  if (!tracing()) return run(x);
  if (!is_layer()) {
    const TracedBlock inside(this);
    return run(x);
  }
  // A layer is traced whole, its hooks (QAT's quantizers, BN fold's correction) included.
  Var y;
  {
    const TracedLayer inside;
    y = run(x);
  }
  trace_step({.op = "layer", .layer = this, .inputs = {x}, .outputs = {y}, .attrs = {}});
  return y;
}

Var Module::run(const Var& x) {
  Var in = x;
  for (const auto& h : pre_hooks_) in = h.hook(in);
  Var y = forward_impl(in);
  for (const auto& h : hooks_) y = h.hook(y);
  return y;
}

Var Module::run_forward_hooks(const Var& y) const {
  Var out = y;
  for (const auto& h : hooks_) out = h.hook(out);
  return out;
}

int64_t Module::add_forward_pre_hook(Hook hook) {
  MINNOW_CHECK(hook != nullptr, "module ", type_, ": add_forward_pre_hook: the hook is empty");
  pre_hooks_.push_back({next_hook_id_, std::move(hook)});
  return next_hook_id_++;
}

int64_t Module::add_forward_hook(Hook hook) {
  MINNOW_CHECK(hook != nullptr, "module ", type_, ": add_forward_hook: the hook is empty");
  hooks_.push_back({next_hook_id_, std::move(hook)});
  return next_hook_id_++;
}

void Module::remove_hook(int64_t id) {
  const auto erased = std::erase_if(pre_hooks_, [id](const HookEntry& h) { return h.id == id; }) +
                      std::erase_if(hooks_, [id](const HookEntry& h) { return h.id == id; });
  MINNOW_CHECK(erased == 1, "module ", type_, ": remove_hook: no hook with id ", id);
}

Var Module::register_parameter(const std::string& name, const Tensor& value) {
  bool taken = false;
  for (const auto& p : params_) taken |= p.name == name;
  check_unique(name, type_, taken);
  Var var(value, true);
  params_.push_back({name, var, value.dims()});
  return var;
}

Tensor Module::register_buffer(const std::string& name, const Tensor& value) {
  bool taken = false;
  for (const auto& b : buffers_) taken |= b.name == name;
  check_unique(name, type_, taken);
  buffers_.push_back({name, value});
  return value;
}

Var Module::replace_parameter(const std::string& name, const Tensor& value) {
  for (auto& p : params_) {
    if (p.name != name) continue;
    p = {name, Var(value, true), value.dims()};
    return p.var;
  }
  MINNOW_FAIL("module ", type_, ": replace_parameter: no parameter '", name, "'");
}

Tensor Module::replace_buffer(const std::string& name, const Tensor& value) {
  for (auto& b : buffers_) {
    if (b.name != name) continue;
    b.tensor = value;
    return value;
  }
  MINNOW_FAIL("module ", type_, ": replace_buffer: no buffer '", name, "'");
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  bool taken = false;
  for (const auto& c : children_) taken |= c.first == name;
  check_unique(name, type_, taken);
  MINNOW_CHECK(child != nullptr, "module ", type_, ": child '", name, "' is null");
  child->train(training_);
  children_.emplace_back(name, std::move(child));
}

std::vector<NamedParameter> Module::named_parameters() const {
  std::vector<NamedParameter> out = params_;
  for (const auto& [name, child] : children_)
    for (auto p : child->named_parameters()) {
      p.name = join(name, p.name);
      out.push_back(std::move(p));
    }
  return out;
}

std::vector<NamedBuffer> Module::named_buffers() const {
  std::vector<NamedBuffer> out = buffers_;
  for (const auto& [name, child] : children_)
    for (auto b : child->named_buffers()) {
      b.name = join(name, b.name);
      out.push_back(std::move(b));
    }
  return out;
}

void Module::collect_modules(const std::string& prefix, std::vector<std::pair<std::string, Module*>>& out) {
  out.emplace_back(prefix, this);
  for (const auto& [name, child] : children_) child->collect_modules(join(prefix, name), out);
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  collect_modules("", out);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_children() const {
  std::vector<std::pair<std::string, Module*>> out;
  for (const auto& [name, child] : children_) out.emplace_back(name, child.get());
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : named_parameters()) n += product(p.shape);
  return n;
}

void Module::train(bool training) {
  training_ = training;
  for (const auto& c : children_) c.second->train(training);
}

}  // namespace minnow
