// log_softmax, cross_entropy, kl_div_with_temperature, mse_loss and weighted_sum, forward and backward,
// as plain loops with double accumulation. The (N, K) ops reorder a non-plain input to
// plain (counted) and return its gradient in the input's layout.
#include "ops/losses.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/error.h"
#include "core/tape.h"
#include "ops/cast.h"

namespace minnow {
namespace {

// v's value as a plain (N, K) f32 tensor.
Tensor plain_rows(const char* op, const char* arg, const Var& v) {
  MINNOW_CHECK(v.dims().size() == 2, op, ": expected ", arg, " dims (N, K), got ", dims_str(v.dims()));
  MINNOW_CHECK(v.data().dtype() == DType::f32, op, ": expected f32 ", arg, ", got ", dtype_name(v.data().dtype()));
  return v.data().to_layout(plain_desc(v.dims()));
}

// out_k = s z_k - log sum_j exp(s z_j), computed around max_j s z_j.
void log_softmax_row(const float* z, int64_t k, double s, double* out) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < k; ++j) m = std::max(m, s * z[j]);
  double sum = 0;
  for (int64_t j = 0; j < k; ++j) sum += std::exp(s * z[j] - m);
  const double lse = m + std::log(sum);
  for (int64_t j = 0; j < k; ++j) out[j] = s * z[j] - lse;
}

Tensor scalar(double value) { return Tensor::full({1}, static_cast<float>(value)); }

// The upstream gradient of a one-element loss.
double seed_of(const Tensor& dy) { return dy.to_plain()[0]; }

// cross_entropy's target q_ik = (1 - eps) onehot(y_i)_k + eps / K.
struct SmoothedTarget {
  double eps;
  int64_t k;
  double operator()(int64_t j, int32_t label) const {
    return (1.0 - eps) * (j == label) + eps / static_cast<double>(k);
  }
};

// What log_softmax's backward reads.
struct LogSoftmaxSaved {
  Tensor y;  // (N, K) log softmax
  dnnl::memory::desc x_md;
};

std::vector<Tensor> log_softmax_backward(const LogSoftmaxSaved& saved, const std::vector<Tensor>& dy,
                                         const std::vector<bool>& need);

}  // namespace

// y = log softmax(z) per row; dx_k = dy_k - softmax(z)_k sum_j dy_j.
Var log_softmax(const Var& input_logits) {
  const Var logits = to_f32(input_logits);  // losses run in f32 (core/compute_type.h)
  const Tensor z = plain_rows("log_softmax", "logits", logits);  // (N, K)
  const int64_t n = z.dim(0), k = z.dim(1);
  Tensor y(plain_desc({n, k}));  // (N, K)
  std::vector<double> row(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    log_softmax_row(z.data<float>() + i * k, k, 1.0, row.data());
    for (int64_t j = 0; j < k; ++j) y.data<float>()[i * k + j] = static_cast<float>(row[static_cast<size_t>(j)]);
  }
  if (!should_record({logits})) return record_op("log_softmax", {logits}, y, nullptr);
  return record_op("log_softmax", {logits}, y,
                   [saved = LogSoftmaxSaved{y, logits.data().desc()}](const auto& dy, const auto& need) {
                     return log_softmax_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> log_softmax_backward(const LogSoftmaxSaved& saved, const std::vector<Tensor>& dy,
                                         const std::vector<bool>&) {
  const Tensor& y = saved.y;
  const int64_t rows = y.dim(0), cols = y.dim(1);
  const float* pdy = dy[0].data<float>();
  Tensor dx(plain_desc({rows, cols}));  // (N, K)
  for (int64_t i = 0; i < rows; ++i) {
    double dy_sum = 0;
    for (int64_t j = 0; j < cols; ++j) dy_sum += pdy[i * cols + j];
    for (int64_t j = 0; j < cols; ++j) {
      const double p = std::exp(static_cast<double>(y.data<float>()[i * cols + j]));
      dx.data<float>()[i * cols + j] = static_cast<float>(pdy[i * cols + j] - p * dy_sum);
    }
  }
  return {dx.to_layout(saved.x_md)};
}

// What cross_entropy's backward reads.
struct CrossEntropySaved {
  Tensor p;  // (N, K) softmax
  std::vector<int32_t> labels;
  SmoothedTarget q;
  dnnl::memory::desc x_md;
};

std::vector<Tensor> cross_entropy_backward(const CrossEntropySaved& saved, const std::vector<Tensor>& dy,
                                           const std::vector<bool>& need);

}  // namespace

// loss = -(1/N) sum_i sum_k q_ik log p_ik with p = softmax(z), q = (1 - eps) onehot(y_i) + eps / K;
// dz_ik = g (p_ik - q_ik) / N.
Var cross_entropy(const Var& input_logits, const std::vector<int32_t>& labels, const CrossEntropyOptions& options) {
  const Var logits = to_f32(input_logits);  // losses run in f32 (core/compute_type.h)
  const Tensor z = plain_rows("cross_entropy", "logits", logits);  // (N, K)
  const int64_t n = z.dim(0), k = z.dim(1);
  const double eps = options.label_smoothing;
  MINNOW_CHECK(eps >= 0.0 && eps <= 1.0, "cross_entropy: label_smoothing must be in [0, 1], got ", eps);
  MINNOW_CHECK(static_cast<int64_t>(labels.size()) == n, "cross_entropy: expected ", n,
               " labels (one per row of logits ", dims_str(z.dims()), "), got ", labels.size());
  for (size_t i = 0; i < labels.size(); ++i)
    MINNOW_CHECK(labels[i] >= 0 && labels[i] < k, "cross_entropy: label ", labels[i], " at index ", i,
                 " is out of range [0, K) for K = ", k, " classes");
  const SmoothedTarget q{eps, k};

  Tensor p(plain_desc({n, k}));  // (N, K) softmax, saved for backward
  std::vector<double> logp(static_cast<size_t>(k));
  double loss = 0;
  for (int64_t i = 0; i < n; ++i) {
    log_softmax_row(z.data<float>() + i * k, k, 1.0, logp.data());
    for (int64_t j = 0; j < k; ++j) {
      loss -= q(j, labels[static_cast<size_t>(i)]) * logp[static_cast<size_t>(j)];
      p.data<float>()[i * k + j] = static_cast<float>(std::exp(logp[static_cast<size_t>(j)]));
    }
  }
  const Tensor y = scalar(loss / static_cast<double>(n));
  if (!should_record({logits})) return record_op("cross_entropy", {logits}, y, nullptr);
  return record_op("cross_entropy", {logits}, y,
                   [saved = CrossEntropySaved{p, labels, q, logits.data().desc()}](const auto& dy, const auto& need) {
                     return cross_entropy_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> cross_entropy_backward(const CrossEntropySaved& saved, const std::vector<Tensor>& dy,
                                           const std::vector<bool>&) {
  const Tensor& p = saved.p;
  const int64_t rows = p.dim(0), cols = p.dim(1);
  const double g = seed_of(dy[0]) / static_cast<double>(rows);
  Tensor dx(plain_desc({rows, cols}));  // (N, K)
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const double pij = p.data<float>()[i * cols + j];
      const int32_t label = saved.labels[static_cast<size_t>(i)];
      dx.data<float>()[i * cols + j] = static_cast<float>(g * (pij - saved.q(j, label)));
    }
  return {dx.to_layout(saved.x_md)};
}

// What kl_div_with_temperature's backward reads.
struct KlDivRows {
  std::vector<double> log_ps, log_pt, kl;  // (N, K), (N, K), (N)
};

struct KlDivSaved {
  std::shared_ptr<const KlDivRows> rows;
  int64_t n, k;
  double temp;
  dnnl::memory::desc s_md, t_md;
};

std::vector<Tensor> kl_div_backward(const KlDivSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need);

}  // namespace

// With ps = softmax(s / T), pt = softmax(t / T) and kl_i = sum_k pt_ik (log pt_ik - log ps_ik):
// loss = T^2 / N sum_i kl_i;
// ds_ik = g T / N (ps_ik - pt_ik);  dt_ik = g T / N pt_ik (log pt_ik - log ps_ik - kl_i).
Var kl_div_with_temperature(const Var& student_input, const Var& teacher_input, float temperature) {
  const Var student_logits = to_f32(student_input), teacher_logits = to_f32(teacher_input);  // in f32
  const Tensor s = plain_rows("kl_div_with_temperature", "student_logits", student_logits);  // (N, K)
  const Tensor t = plain_rows("kl_div_with_temperature", "teacher_logits", teacher_logits);  // (N, K)
  MINNOW_CHECK(s.dims() == t.dims(), "kl_div_with_temperature: student_logits dims ", dims_str(s.dims()),
               " differ from teacher_logits dims ", dims_str(t.dims()));
  MINNOW_CHECK(temperature > 0.0f, "kl_div_with_temperature: temperature must be > 0, got ", temperature);
  const int64_t n = s.dim(0), k = s.dim(1);
  const double temp = temperature;
  auto rows = std::make_shared<KlDivRows>();
  rows->log_ps.resize(static_cast<size_t>(n * k));
  rows->log_pt.resize(static_cast<size_t>(n * k));
  rows->kl.resize(static_cast<size_t>(n));
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    double* log_ps = rows->log_ps.data() + i * k;
    double* log_pt = rows->log_pt.data() + i * k;
    log_softmax_row(s.data<float>() + i * k, k, 1.0 / temp, log_ps);
    log_softmax_row(t.data<float>() + i * k, k, 1.0 / temp, log_pt);
    double kl = 0;
    for (int64_t j = 0; j < k; ++j) kl += std::exp(log_pt[j]) * (log_pt[j] - log_ps[j]);
    rows->kl[static_cast<size_t>(i)] = kl;
    total += kl;
  }
  const Tensor y = scalar(temp * temp * total / static_cast<double>(n));
  const std::vector<Var> inputs{student_logits, teacher_logits};
  if (!should_record(inputs)) return record_op("kl_div_with_temperature", inputs, y, nullptr);
  const dnnl::memory::desc s_md = student_logits.data().desc(), t_md = teacher_logits.data().desc();
  return record_op("kl_div_with_temperature", inputs, y,
                   [saved = KlDivSaved{std::move(rows), n, k, temp, s_md, t_md}](const auto& dy, const auto& need) {
                     return kl_div_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> kl_div_backward(const KlDivSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need) {
  const KlDivRows& rows = *saved.rows;
  const int64_t n = saved.n, k = saved.k;
  const double g = seed_of(dy[0]) * saved.temp / static_cast<double>(n);
  Tensor ds, dt;
  if (need[0]) ds = Tensor(plain_desc({n, k}));  // (N, K)
  if (need[1]) dt = Tensor(plain_desc({n, k}));  // (N, K)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) {
      const auto ij = static_cast<size_t>(i * k + j);
      const double log_ps = rows.log_ps[ij], log_pt = rows.log_pt[ij];
      const double pt = std::exp(log_pt);
      if (need[0]) ds.data<float>()[ij] = static_cast<float>(g * (std::exp(log_ps) - pt));
      if (need[1])
        dt.data<float>()[ij] = static_cast<float>(g * pt * (log_pt - log_ps - rows.kl[static_cast<size_t>(i)]));
    }
  return {need[0] ? ds.to_layout(saved.s_md) : Tensor(), need[1] ? dt.to_layout(saved.t_md) : Tensor()};
}

// What mse_loss's backward reads.
struct MseSaved {
  Tensor diff;  // a - b, a's dims and layout
  double m;     // element count
  dnnl::memory::desc b_md;
};

std::vector<Tensor> mse_loss_backward(const MseSaved& saved, const std::vector<Tensor>& dy,
                                      const std::vector<bool>& need);

}  // namespace

// loss = (1/M) sum (a - b)^2 over the M elements; da = 2 g (a - b) / M, db = -da.
// Runs over a's physical buffer (b moved to a's layout if it differs); padding is zero in both.
Var mse_loss(const Var& a_input, const Var& b_input) {
  const Var a = to_f32(a_input), b = to_f32(b_input);  // losses run in f32 (core/compute_type.h)
  MINNOW_CHECK(a.dims() == b.dims(), "mse_loss: a has dims ", dims_str(a.dims()), " but b has dims ",
               dims_str(b.dims()));
  MINNOW_CHECK(a.data().dtype() == DType::f32 && b.data().dtype() == DType::f32, "mse_loss: expected f32 a and b, got ",
               dtype_name(a.data().dtype()), " and ", dtype_name(b.data().dtype()));
  const Tensor& av = a.data();
  const Tensor bv = b.data().to_layout(av.desc());
  Tensor diff(av.desc());  // a - b, a's dims and layout
  const auto pa = av.f32_buffer(), pb = bv.f32_buffer(), pd = diff.f32_buffer();
  double sum = 0;
  for (size_t i = 0; i < pd.size(); ++i) {
    pd[i] = pa[i] - pb[i];
    sum += static_cast<double>(pd[i]) * pd[i];
  }
  const auto m = static_cast<double>(av.numel());
  const Tensor y = scalar(sum / m);
  if (!should_record({a, b})) return record_op("mse_loss", {a, b}, y, nullptr);
  return record_op("mse_loss", {a, b}, y,
                   [saved = MseSaved{diff, m, b.data().desc()}](const auto& dy, const auto& need) {
                     return mse_loss_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> mse_loss_backward(const MseSaved& saved, const std::vector<Tensor>& dy,
                                      const std::vector<bool>& need) {
  const double g = 2.0 * seed_of(dy[0]) / saved.m;
  Tensor da(saved.diff.desc());
  const auto pdiff = saved.diff.f32_buffer(), pda = da.f32_buffer();
  for (size_t i = 0; i < pda.size(); ++i) pda[i] = static_cast<float>(g * pdiff[i]);
  Tensor db;
  if (need[1]) {
    db = Tensor(saved.diff.desc());
    const auto pdb = db.f32_buffer();
    for (size_t i = 0; i < pdb.size(); ++i) pdb[i] = -pda[i];
    db = db.to_layout(saved.b_md);
  }
  return {need[0] ? da : Tensor(), db};
}

// What weighted_sum's backward reads.
struct WeightedSumSaved {
  std::vector<double> weights;
};

std::vector<Tensor> weighted_sum_backward(const WeightedSumSaved& saved, const std::vector<Tensor>& dy,
                                          const std::vector<bool>& need);

}  // namespace

// y = sum_i w_i L_i; dL_i = w_i g.
Var weighted_sum(const std::vector<Var>& losses, const std::vector<double>& weights) {
  MINNOW_CHECK(!losses.empty() && losses.size() == weights.size(), "weighted_sum: expected as many weights as losses (",
               losses.size(), "), got ", weights.size());
  double total = 0;
  for (size_t i = 0; i < losses.size(); ++i) {
    MINNOW_CHECK(losses[i].dims() == Dims{1}, "weighted_sum: loss ", i, " has dims ", dims_str(losses[i].dims()),
                 ", expected [1]");
    total += weights[i] * losses[i].data().to_plain()[0];
  }
  const Tensor y = scalar(total);
  if (!should_record(losses)) return record_op("weighted_sum", losses, y, nullptr);
  return record_op("weighted_sum", losses, y, [saved = WeightedSumSaved{weights}](const auto& dy, const auto& need) {
    return weighted_sum_backward(saved, dy, need);
  });
}

namespace {

std::vector<Tensor> weighted_sum_backward(const WeightedSumSaved& saved, const std::vector<Tensor>& dy,
                                          const std::vector<bool>& need) {
  const double g = seed_of(dy[0]);
  std::vector<Tensor> dx(saved.weights.size());  // dL_i
  for (size_t i = 0; i < saved.weights.size(); ++i)
    if (need[i]) dx[i] = scalar(saved.weights[i] * g);
  return dx;
}

}  // namespace

}  // namespace minnow
