// Keeping the ranks' copies of one model equal: rank 0's parameters and buffers sent to
// every rank in one buffer, a checksum every rank compares, the running statistics that
// local BatchNorm updates from each rank's own batch (the GradReducer averages them every
// step), and the model's layers wired to sum or reduce over the ranks where the global
// batch has to be seen whole (synchronised BN, QAT observers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dist/world.h"
#include "models/module.h"

namespace minnow {

// Every rank's parameters and buffers become rank 0's (one flattened broadcast).
void broadcast_model(const dist::World& world, Module& model);

// A 64-bit checksum of the parameters' values (logical order) and every buffer's bytes.
uint64_t model_checksum(const Module& model);

// Throws a JobError on every rank when any rank's model_checksum differs from the others';
// `when` says where in the run ("after the broadcast", "at global step 12").
void check_replicas_equal(const dist::World& world, const Module& model, const std::string& when);

// Every BatchNorm's running mean and variance (plain f32 buffers, shared with the model).
std::vector<Tensor> bn_running_statistics(Module& model);

// Training-mode BatchNorm normalises with the global batch's statistics.
void synchronise_batch_norm(const dist::World& world, Module& model);

// QAT activation observers see the global batch's range.
void synchronise_observers(const dist::World& world, Module& model);

}  // namespace minnow
