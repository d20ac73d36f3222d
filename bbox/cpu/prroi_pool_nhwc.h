// bbox/cpu/prroi_pool_nhwc.h — Precise RoI Pooling on channels-last (N, H, W, C) features.
// Internal to bbox/; prroi_pool2d_cpu picks it for channels-last inputs.
//
// In this layout a bin's samples are contiguous runs of C values, so each bin costs a few
// vector multiply-adds over the channels instead of C scalar loops over a handful of
// samples: what IoU-Net refinement (5 steps x 10 boxes per frame, on channels-last
// inference features) spends its time on. The gradient w.r.t. the boxes collapses the
// channels first (one dot product per sample), so it is as cheap as the forward.
#pragma once

#include <cstdint>

namespace dimp::bbox::cpu {

// forward: out (R, ph, pw, C) contiguous — the memory of a channels-last (R, C, ph, pw).
template <typename T>
void prroi_forward_nhwc(const T* F, const T* rois, T* out, int64_t R, int64_t C, int64_t H, int64_t W, int ph, int pw,
                        T scale);

// backward: grad_out (R, ph, pw, C) contiguous; grad_F (N, H, W, C), added to, may be null;
// grad_rois (R, 5), added to.
template <typename T>
void prroi_backward_nhwc(const T* F, const T* rois, const T* grad_out, T* grad_F, T* grad_rois, int64_t R, int64_t C,
                         int64_t H, int64_t W, int ph, int pw, T scale);

}  // namespace dimp::bbox::cpu
