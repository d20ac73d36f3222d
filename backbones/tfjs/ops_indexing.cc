// Indexing ops: StridedSlice, GatherV2, TopKV2, SparseToDense (strided_slice.h, gather.h and
// top_k.h hold TF's semantics).
#include <stdexcept>

#include "backbones/tfjs/gather.h"
#include "backbones/tfjs/kernel.h"
#include "backbones/tfjs/strided_slice.h"
#include "backbones/tfjs/top_k.h"

namespace dimp::backbones::tfjs {

void add_indexing_ops(OpTable& t) {
  t["StridedSlice"] = [](const NodeContext& c) {
    c.require_inputs(4, 4);
    StridedSliceMasks m;
    m.begin = c.attr_int("begin_mask", 0);
    m.end = c.attr_int("end_mask", 0);
    m.ellipsis = c.attr_int("ellipsis_mask", 0);
    m.new_axis = c.attr_int("new_axis_mask", 0);
    m.shrink_axis = c.attr_int("shrink_axis_mask", 0);
    return CompiledNode{make_kernel([m](const Tensors& in, Tensors& out) {
      const StridedSliceSpec spec =
          strided_slice_spec(in[0].sizes(), int_values(in[1]), int_values(in[2]), int_values(in[3]), m);
      out[0] = strided_slice(in[0], spec);
    })};
  };
  t["GatherV2"] = [](const NodeContext& c) {
    c.require_inputs(3, 3);
    const int64_t batch_dims = c.attr_int("batch_dims", 0);
    return CompiledNode{make_kernel([batch_dims](const Tensors& in, Tensors& out) {
      const std::vector<int64_t> axis = int_values(in[2]);
      if (axis.size() != 1) throw std::invalid_argument("GatherV2 axis must be a single integer");
      out[0] = gather_v2(in[0], in[1], axis[0], batch_dims);
    })};
  };
  t["TopKV2"] = [](const NodeContext& c) {
    c.require_inputs(2, 2);
    return CompiledNode{make_kernel([](const Tensors& in, Tensors& out) {
                          const std::vector<int64_t> k = int_values(in[1]);
                          if (k.size() != 1) throw std::invalid_argument("TopKV2 k must be a single integer");
                          std::tie(out[0], out[1]) = top_k(in[0], k[0]);
                        }),
                        2};
  };
  t["SparseToDense"] = [](const NodeContext& c) {
    c.require_inputs(4, 4);
    const bool validate = c.attr_bool("validate_indices", true);
    return CompiledNode{make_kernel([validate](const Tensors& in, Tensors& out) {
      out[0] = sparse_to_dense(in[0], in[1], in[2], in[3], validate);
    })};
  };
}

}  // namespace dimp::backbones::tfjs
