// TensorFlow's semantics of the ops LibTorch lacks or computes differently, against closed forms:
// SAME/VALID padding arithmetic, convolutions and pooling with asymmetric padding (against a
// direct loop), StridedSlice's masks, ResizeBilinear's three modes, TopK's tie order, GatherV2,
// FloorDiv/FloorMod, SparseToDense.
#include <gtest/gtest.h>

#include <stdexcept>

#include "backbones/tfjs/arithmetic.h"
#include "backbones/tfjs/convolution.h"
#include "backbones/tfjs/gather.h"
#include "backbones/tfjs/padding.h"
#include "backbones/tfjs/resize_bilinear.h"
#include "backbones/tfjs/strided_slice.h"
#include "backbones/tfjs/top_k.h"

namespace dimp::backbones::tfjs {
namespace {

std::vector<int64_t> shape_of(const at::Tensor& t) { return t.sizes().vec(); }
std::vector<float> floats(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}
std::vector<int64_t> ints(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

TEST(Padding, SameIsAsymmetricAtStrideTwo) {
  // pad_total = max((ceil(in / s) - 1) * s + (k - 1) * d + 1 - in, 0), before = floor(total / 2).
  WindowPadding p = window_padding(PaddingMode::kSame, 288, 3, 2);
  EXPECT_EQ(p.output, 144);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 1);
  p = window_padding(PaddingMode::kSame, 287, 3, 2);  // (144 - 1) * 2 + 3 - 287 = 2
  EXPECT_EQ(p.output, 144);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  p = window_padding(PaddingMode::kSame, 144, 5, 2);  // (72 - 1) * 2 + 5 - 144 = 3
  EXPECT_EQ(p.output, 72);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 2);
  p = window_padding(PaddingMode::kSame, 10, 3, 1, 2);  // dilated: (10 - 1) + 5 - 10 = 4
  EXPECT_EQ(p.output, 10);
  EXPECT_EQ(p.before, 2);
  EXPECT_EQ(p.after, 2);
  p = window_padding(PaddingMode::kSame, 1, 3, 2);  // (1 - 1) * 2 + 3 - 1 = 2
  EXPECT_EQ(p.output, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
}

TEST(Padding, ValidAndExplicit) {
  WindowPadding p = window_padding(PaddingMode::kValid, 288, 3, 2);  // ceil((288 - 2) / 2)
  EXPECT_EQ(p.output, 143);
  EXPECT_EQ(p.before + p.after, 0);
  EXPECT_EQ(window_padding(PaddingMode::kValid, 2, 3, 2).output, 0);  // TF allows an empty output
  EXPECT_THROW(window_padding(PaddingMode::kValid, 1, 3, 1), std::invalid_argument);
  p = window_padding(PaddingMode::kExplicit, 5, 3, 1, 1, 2, 0);
  EXPECT_EQ(p.output, 5);
  EXPECT_EQ(p.before, 2);
  EXPECT_THROW(window_padding(PaddingMode::kSame, 5, 0, 1), std::invalid_argument);
  EXPECT_EQ(padding_mode("SAME"), PaddingMode::kSame);
  EXPECT_THROW(padding_mode("same"), std::invalid_argument);
}

// direct_conv: TF's convolution by definition (NHWC, HWIO or HWCM filter, zero padding `before`).
at::Tensor direct_conv(const at::Tensor& x, const at::Tensor& f, bool depthwise, int64_t stride, int64_t out_h,
                       int64_t out_w, int64_t top, int64_t left) {
  const int64_t H = x.size(1), W = x.size(2), C = x.size(3), kh = f.size(0), kw = f.size(1);
  const int64_t M = f.size(3), O = depthwise ? C * M : M;
  at::Tensor y = at::zeros({1, out_h, out_w, O}, at::kDouble);
  const at::Tensor xd = x.to(at::kDouble), fd = f.to(at::kDouble);
  auto xa = xd.accessor<double, 4>();
  auto fa = fd.accessor<double, 4>();
  auto ya = y.accessor<double, 4>();
  for (int64_t i = 0; i < out_h; ++i)
    for (int64_t j = 0; j < out_w; ++j)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b) {
          const int64_t r = i * stride + a - top, c = j * stride + b - left;
          if (r < 0 || r >= H || c < 0 || c >= W) continue;
          for (int64_t ch = 0; ch < C; ++ch)
            for (int64_t m = 0; m < M; ++m) {
              if (depthwise) ya[0][i][j][ch * M + m] += xa[0][r][c][ch] * fa[a][b][ch][m];
              else ya[0][i][j][m] += xa[0][r][c][ch] * fa[a][b][ch][m];
            }
        }
  return y;
}

TEST(Conv2d, MatchesTheDefinitionWithAsymmetricSamePadding) {
  at::manual_seed(1);
  for (int64_t size : {8, 7}) {
    const at::Tensor x = at::randn({1, size, size + 1, 3});
    WindowSpec w;
    w.stride_h = w.stride_w = 2;
    w.padding = PaddingMode::kSame;
    const at::Tensor f = at::randn({3, 3, 3, 5});
    const at::Tensor bias = at::randn({5});
    const at::Tensor y = Conv2d(f, false, w, bias, Activation::kRelu6)(x);
    const WindowPadding ph = window_padding(PaddingMode::kSame, size, 3, 2);
    const WindowPadding pw = window_padding(PaddingMode::kSame, size + 1, 3, 2);
    const at::Tensor expected =
        (direct_conv(x, f, false, 2, ph.output, pw.output, ph.before, pw.before) + bias.to(at::kDouble)).clamp(0, 6);
    ASSERT_EQ(shape_of(y), shape_of(expected));
    EXPECT_LT((y.to(at::kDouble) - expected).abs().max().item<double>(), 1e-4) << "size " << size;

    // Depthwise, channel multiplier 2: output channel c * 2 + m.
    const at::Tensor fd = at::randn({5, 5, 3, 2});
    const at::Tensor yd = Conv2d(fd, true, w)(x);
    const WindowPadding qh = window_padding(PaddingMode::kSame, size, 5, 2);
    const WindowPadding qw = window_padding(PaddingMode::kSame, size + 1, 5, 2);
    const at::Tensor expected_d = direct_conv(x, fd, true, 2, qh.output, qw.output, qh.before, qw.before);
    ASSERT_EQ(shape_of(yd), shape_of(expected_d));
    EXPECT_LT((yd.to(at::kDouble) - expected_d).abs().max().item<double>(), 1e-4) << "size " << size;
  }
}

TEST(Conv2d, RefusesAnInputWithOtherChannels) {
  WindowSpec w;
  Conv2d conv(at::randn({1, 1, 3, 4}), false, w);
  EXPECT_EQ(conv.in_channels(), 3);
  EXPECT_EQ(conv.out_channels(), 4);
  EXPECT_THROW(conv(at::randn({1, 4, 4, 2})), std::invalid_argument);
  EXPECT_THROW(Conv2d(at::randn({3, 3, 3}), false, w), std::invalid_argument);
}

TEST(MaxPool, SamePaddingNeverWins) {
  // All-negative input: a zero-padded pool would return 0 at the border; TF's ignores padding.
  const at::Tensor x = -1 - at::arange(16, at::kFloat).view({1, 4, 4, 1});
  WindowSpec w;
  w.kernel_h = w.kernel_w = 3;
  w.stride_h = w.stride_w = 2;
  w.padding = PaddingMode::kSame;  // 4 -> 2, pad 0 before, 1 after
  const at::Tensor y = max_pool(x, w);
  ASSERT_EQ(shape_of(y), (std::vector<int64_t>{1, 2, 2, 1}));
  // Windows rows/cols {0,1,2} and {2,3}: maxima are the top-left entries -1 - (4r + c).
  EXPECT_EQ(floats(y), (std::vector<float>{-1, -3, -9, -11}));
  w.stride_h = w.stride_w = 1;  // 3x3 SAME stride 1: symmetric padding 1
  EXPECT_EQ(floats(max_pool(x, w)).front(), -1.0f);
}

TEST(StridedSlice, MasksAsTensorFlowDefinesThem) {
  const at::Tensor x = at::arange(24).view({2, 3, 4});
  auto slice = [&](std::vector<int64_t> b, std::vector<int64_t> e, std::vector<int64_t> s, StridedSliceMasks m) {
    return strided_slice(x, strided_slice_spec(x.sizes(), b, e, s, m));
  };
  // x[:, :, 1:2] (centernet's strided_slice_10: begin_mask = end_mask = 3).
  at::Tensor y = slice({0, 0, 1}, {0, 0, 2}, {1, 1, 1}, {3, 3, 0, 0, 0});
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(ints(y), ints(x.narrow(2, 1, 1)));
  // x[1] (shrink_axis).
  y = slice({1}, {2}, {1}, {0, 0, 0, 0, 1});
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(ints(y), ints(x[1]));
  // x[-1] (negative shrink index).
  EXPECT_EQ(ints(slice({-1}, {0}, {1}, {0, 0, 0, 0, 1})), ints(x[1]));
  // x[..., 1:3] (ellipsis).
  y = slice({0, 1}, {0, 3}, {1, 1}, {0, 0, 1, 0, 0});
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(ints(y), ints(x.narrow(2, 1, 2)));
  // x[tf.newaxis, :, 0] (new axis, a full range, a shrink).
  y = slice({0, 0, 0}, {0, 0, 1}, {1, 1, 1}, {2, 2, 0, 1, 4});
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(ints(y), ints(x.select(1, 0)));
  // x[::-1, 2:0:-1] (negative strides), x[:, ::2] (step), x[-100:100] (clamped).
  y = slice({0, 2}, {0, 0}, {-1, -1}, {1, 1, 0, 0, 0});
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{2, 2, 4}));
  EXPECT_EQ(ints(y), ints(x.flip(0).index_select(1, at::tensor({2, 1}))));
  EXPECT_EQ(ints(slice({0, 0}, {0, 0}, {1, 2}, {3, 3, 0, 0, 0})), ints(x.index_select(1, at::tensor({0, 2}))));
  EXPECT_EQ(ints(slice({-100}, {100}, {1}, {})), ints(x));
  // Degenerate: an empty range.
  EXPECT_EQ(shape_of(slice({0, 2}, {0, 1}, {1, 1}, {1, 1, 0, 0, 0})), (std::vector<int64_t>{2, 0, 4}));
}

TEST(StridedSlice, RefusesWhatTensorFlowRefuses) {
  const std::vector<int64_t> shape{2, 3};
  EXPECT_THROW(strided_slice_spec(shape, {0}, {1}, {0}, {}), std::invalid_argument);               // zero stride
  EXPECT_THROW(strided_slice_spec(shape, {5}, {6}, {1}, {0, 0, 0, 0, 1}), std::invalid_argument);  // shrink out of range
  EXPECT_THROW(strided_slice_spec(shape, {0, 0}, {1, 1}, {1, 1}, {0, 0, 3, 0, 0}), std::invalid_argument);  // 2 ellipses
  EXPECT_THROW(strided_slice_spec(shape, {0, 0, 0}, {1, 1, 1}, {1, 1, 1}, {}), std::invalid_argument);  // rank 2
  EXPECT_THROW(strided_slice_spec(shape, {0}, {1, 1}, {1}, {}), std::invalid_argument);  // lengths differ
}

TEST(ResizeBilinear, ThreeCoordinateModes) {
  const at::Tensor x = at::tensor({0.0f, 1.0f, 2.0f, 3.0f}).view({1, 2, 2, 1});  // value 2 * row + col
  auto expect = [](const std::vector<float>& v) {  // 4x4 output 2 * v(row) + v(col)
    std::vector<float> out;
    for (float r : v)
      for (float c : v) out.push_back(2 * r + c);
    return out;
  };
  // Legacy: src = dst * 0.5 -> 0, 0.5, 1, 1.5 (the last clamps to the edge).
  EXPECT_EQ(floats(resize_bilinear(x, 4, 4, false, false)), expect({0, 0.5f, 1, 1}));
  // align_corners: src = dst * 1/3.
  const std::vector<float> ac = floats(resize_bilinear(x, 4, 4, true, false));
  const std::vector<float> ac_expected = expect({0, 1 / 3.0f, 2 / 3.0f, 1});
  for (size_t k = 0; k < ac.size(); ++k) EXPECT_NEAR(ac[k], ac_expected[k], 1e-6);
  // half_pixel_centers: src = (dst + 0.5) * 0.5 - 0.5 -> -0.25, 0.25, 0.75, 1.25.
  EXPECT_EQ(floats(resize_bilinear(x, 4, 4, false, true)), expect({0, 0.25f, 0.75f, 1}));
  // Downscaling in legacy mode samples rows 0, 2, 4 of 6 (no averaging).
  const at::Tensor tall = at::arange(6, at::kFloat).view({1, 6, 1, 1});
  EXPECT_EQ(floats(resize_bilinear(tall, 3, 1, false, false)), (std::vector<float>{0, 2, 4}));
  EXPECT_THROW(resize_axis(2, 4, true, true), std::invalid_argument);
  EXPECT_THROW(resize_axis(2, 0, false, false), std::invalid_argument);
}

TEST(TopK, TiesInIndexOrder) {
  const at::Tensor x = at::tensor({1.0f, 3.0f, 3.0f, 2.0f, 3.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f}).view({2, 6});
  auto [values, indices] = top_k(x, 4);
  EXPECT_EQ(indices.scalar_type(), at::kInt);
  EXPECT_EQ(floats(values), (std::vector<float>{3, 3, 3, 2, 1, 1, 1, 1}));
  EXPECT_EQ(ints(indices), (std::vector<int64_t>{1, 2, 4, 3, 0, 1, 2, 3}));
  // k cutting through a tie takes the lowest indices.
  std::tie(values, indices) = top_k(x, 2);
  EXPECT_EQ(ints(indices), (std::vector<int64_t>{1, 2, 0, 1}));
  EXPECT_EQ(shape_of(top_k(x, 0).first), (std::vector<int64_t>{2, 0}));
  EXPECT_THROW(top_k(x, 7), std::invalid_argument);
  EXPECT_THROW(top_k(x, -1), std::invalid_argument);
}

TEST(GatherV2, AxisAndBatchDims) {
  const at::Tensor p = at::arange(12).view({3, 4});
  // axis 0: rows; output shape params[:0] + indices.shape + params[1:].
  at::Tensor y = gather_v2(p, at::tensor({2, 0, 1, 1}, at::kInt).view({2, 2}), 0, 0);
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{2, 2, 4}));
  EXPECT_EQ(ints(y[0][0]), ints(p[2]));
  // axis -1: columns.
  y = gather_v2(p, at::tensor({3, 0}, at::kInt), -1, 0);
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(ints(y), (std::vector<int64_t>{3, 0, 7, 4, 11, 8}));
  // batch_dims 1: out[b][j] = p[b][idx[b][j]].
  y = gather_v2(p, at::tensor({3, 0, 1, 1, 2, 2}, at::kInt).view({3, 2}), 1, 1);
  EXPECT_EQ(shape_of(y), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(ints(y), (std::vector<int64_t>{3, 0, 5, 5, 10, 10}));
  EXPECT_THROW(gather_v2(p, at::tensor({3}, at::kInt), 0, 0), std::invalid_argument);  // out of range
  EXPECT_THROW(gather_v2(p, at::tensor({-1}, at::kInt), 0, 0), std::invalid_argument);
  EXPECT_THROW(gather_v2(p, at::tensor({0}, at::kInt), 2, 0), std::invalid_argument);  // no axis 2
}

TEST(Arithmetic, FloorDivAndFloorMod) {
  const at::Tensor a = at::tensor({-7, 7, -7, 7, 6}, at::kInt), b = at::tensor({2, -2, -2, 2, 3}, at::kInt);
  EXPECT_EQ(ints(floor_div(a, b)), (std::vector<int64_t>{-4, -4, 3, 3, 2}));
  EXPECT_EQ(ints(floor_mod(a, b)), (std::vector<int64_t>{1, -1, -1, 1, 0}));
  EXPECT_EQ(floor_div(a, b).scalar_type(), at::kInt);
  const at::Tensor af = at::tensor({-7.5f, 7.5f, 7.5f}), bf = at::tensor({2.0f, -2.0f, 2.0f});
  EXPECT_EQ(floats(floor_div(af, bf)), (std::vector<float>{-4, -4, 3}));
  EXPECT_EQ(floats(floor_mod(af, bf)), (std::vector<float>{0.5f, -0.5f, 1.5f}));
  EXPECT_THROW(floor_div(a, at::tensor({0}, at::kInt)), std::invalid_argument);
  EXPECT_THROW(floor_mod(a, at::tensor({0}, at::kInt)), std::invalid_argument);
}

TEST(SparseToDense, ScattersAndValidates) {
  const at::Tensor shape = at::tensor({3, 2}, at::kInt);
  const at::Tensor idx = at::tensor({0, 1, 2, 0}, at::kInt).view({2, 2});
  at::Tensor y = sparse_to_dense(idx, shape, at::tensor({5, 7}, at::kInt), at::tensor(9, at::kInt), true);
  EXPECT_EQ(ints(y), (std::vector<int64_t>{9, 5, 9, 9, 7, 9}));
  y = sparse_to_dense(idx, shape, at::scalar_tensor(4, at::kInt), at::tensor(0, at::kInt), true);  // scalar value
  EXPECT_EQ(ints(y), (std::vector<int64_t>{0, 4, 0, 0, 4, 0}));
  // nanodet's: no indices at all, shape [3], default 0.
  y = sparse_to_dense(at::zeros({0, 1}, at::kInt), at::tensor({3}, at::kInt), at::zeros({0}, at::kInt),
                      at::tensor(0, at::kInt), true);
  EXPECT_EQ(ints(y), (std::vector<int64_t>{0, 0, 0}));
  const at::Tensor reversed = at::tensor({2, 0, 0, 1}, at::kInt).view({2, 2});
  EXPECT_THROW(sparse_to_dense(reversed, shape, at::scalar_tensor(1, at::kInt), at::tensor(0, at::kInt), true),
               std::invalid_argument);
  EXPECT_NO_THROW(sparse_to_dense(reversed, shape, at::scalar_tensor(1, at::kInt), at::tensor(0, at::kInt), false));
  const at::Tensor repeated = at::tensor({0, 1, 0, 1}, at::kInt).view({2, 2});
  EXPECT_THROW(sparse_to_dense(repeated, shape, at::scalar_tensor(1, at::kInt), at::tensor(0, at::kInt), true),
               std::invalid_argument);
  const at::Tensor outside = at::tensor({3, 0}, at::kInt).view({1, 2});
  EXPECT_THROW(sparse_to_dense(outside, shape, at::scalar_tensor(1, at::kInt), at::tensor(0, at::kInt), false),
               std::invalid_argument);
}

}  // namespace
}  // namespace dimp::backbones::tfjs
