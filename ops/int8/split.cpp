// int8_split: each piece is one oneDNN reorder from a sub-memory view of x (channels
// o_i .. o_i + s_i, memory::desc::submemory_desc) into a dense tensor of x's format.
// A piece that would cut through a channel block of x's layout (24 of nChw16c's 48
// channels) has no such view; the pieces are then cut from an nhwc copy of x.
#include "ops/int8/split.h"

#include <algorithm>
#include <numeric>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/layout.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct SplitPlan {
  memory::desc src_md;                  // x's layout, or nhwc when a view of x's would cut a block
  std::vector<memory::desc> view_mds;   // sub-memories of src_md
  std::vector<memory::desc> piece_mds;  // dense, in src_md's format
  std::vector<dnnl::reorder::primitive_desc> copy_pds;
  std::vector<dnnl::reorder> copies;
};

std::shared_ptr<SplitPlan> plan_for(const QTensor& x, const std::vector<int64_t>& sizes) {
  const Dims d = x.data.dims();
  MINNOW_CHECK(d.size() == 4, "int8_split: expected input dims (N, C, H, W), got ", dims_str(d));
  MINNOW_CHECK(x.data.dtype() == DType::u8 || x.data.dtype() == DType::s8,
               "int8_split: expected a u8 or s8 input, got ", dtype_name(x.data.dtype()));
  MINNOW_CHECK(!sizes.empty() && std::all_of(sizes.begin(), sizes.end(), [](int64_t s) { return s >= 1; }) &&
                   std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) == d[1],
               "int8_split: expected positive sizes summing to the ", d[1], " channels of input ", dims_str(d),
               ", got sizes ", dims_str(sizes));
  MINNOW_CHECK(x.data.desc().data.format_kind == dnnl_blocked,
               "int8_split: expected an input in a blocked (non-opaque) layout");
  Key key("int8_split");
  key.add(x.data.desc());
  for (auto s : sizes) key.add(s);
  return cached<SplitPlan>(key, [&] {
    auto views_of = [&](const memory::desc& md) {
      std::vector<memory::desc> views;
      int64_t offset = 0;
      for (auto s : sizes) {
        views.push_back(md.submemory_desc({d[0], s, d[2], d[3]}, {0, offset, 0, 0}, /*allow_empty=*/true));
        offset += s;
      }
      return views;
    };
    SplitPlan plan;
    plan.src_md = x.data.desc();
    plan.view_mds = views_of(plan.src_md);
    if (std::any_of(plan.view_mds.begin(), plan.view_mds.end(), [](const auto& v) { return v.is_zero(); })) {
      plan.src_md = memory::desc(d, x.data.desc().data_type(), memory::format_tag::nhwc);
      plan.view_mds = views_of(plan.src_md);
    }
    for (const auto& view : plan.view_mds) {
      plan.piece_mds.push_back(same_format(plan.src_md, view.dims()));
      plan.copy_pds.emplace_back(cpu_engine(), view, cpu_engine(), plan.piece_mds.back());
      plan.copies.emplace_back(plan.copy_pds.back());
    }
    return plan;
  });
}

}  // namespace

std::vector<QTensor> int8_split(const QTensor& x, const std::vector<int64_t>& sizes) {
  const auto plan = plan_for(x, sizes);
  const Tensor src = x.data.to_layout(plan->src_md);
  std::vector<QTensor> pieces;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Tensor piece(plan->piece_mds[i]);  // (N, s_i, H, W)
    execute_primitive(plan->copies[i], {{DNNL_ARG_FROM, memory(plan->view_mds[i], cpu_engine(), src.raw())},
                                        {DNNL_ARG_TO, piece.memory()}});
    pieces.push_back({piece, x.scale});
  }
  return pieces;
}

std::string int8_split_impl(const QTensor& x, const std::vector<int64_t>& sizes) {
  std::string impl;
  for (const auto& pd : plan_for(x, sizes)->copy_pds)
    impl += (impl.empty() ? "" : ", ") + std::string(pd.impl_info_str());
  return impl;
}

}  // namespace minnow
