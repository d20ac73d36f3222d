#include "bbox/cpu/few_rows_matmul.h"

#include <gtest/gtest.h>

namespace dimp::bbox::cpu {
namespace {

// Against a double-precision product, over row counts that split into uneven passes, depths
// that are not multiples of the vector width, and column counts with partial blocks.
TEST(FewRowsMatmul, EqualsTheDoublePrecisionProduct) {
  at::manual_seed(5);
  for (int64_t M : {1, 2, 5, 6, 7, 10, 13, 32}) {
    for (int64_t K : {1, 17, 300}) {
      for (int64_t N : {1, 15, 64, 100, 256}) {
        auto x = at::randn({M, K}), b = at::randn({K, N}), bias = at::randn({N});
        auto expected = at::mm(x.to(at::kDouble), b.to(at::kDouble));
        const double tol = 1e-5 * std::sqrt(static_cast<double>(K)) + 1e-6;
        EXPECT_TRUE(at::allclose(few_rows_matmul(x, b).to(at::kDouble), expected, tol, tol)) << M << "x" << K << "x" << N;
        EXPECT_TRUE(at::allclose(few_rows_matmul(x, b, bias).to(at::kDouble), expected + bias.to(at::kDouble), tol, tol))
            << M << "x" << K << "x" << N << " with bias";
        const auto bt = b.t().contiguous();
        EXPECT_TRUE(at::allclose(few_rows_matmul_bt(x, bt).to(at::kDouble), expected, tol, tol))
            << M << "x" << K << "x" << N << " transposed";
        EXPECT_TRUE(at::allclose(few_rows_matmul_bt(x, bt, bias).to(at::kDouble), expected + bias.to(at::kDouble), tol, tol))
            << M << "x" << K << "x" << N << " transposed, with bias";
      }
    }
  }
}

// The bfloat16 kernels equal a double-precision product of the bfloat16-rounded operands
// (they accumulate in float), for the layouts the IoU head uses.
TEST(FewRowsMatmul, BFloat16KernelsEqualTheProductOfRoundedOperands) {
  if (!has_native_bf16()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  at::manual_seed(6);
  auto rounded = [](const at::Tensor& t) { return t.to(at::kBFloat16).to(at::kDouble); };
  for (int64_t M : {1, 5, 10, 13}) {
    for (auto [N, K] : {std::pair<int64_t, int64_t>{256, 6400}, {6, 64}, {20, 96}, {2, 2304}}) {
      auto x = at::randn({M, K}), w = at::randn({N, K}), bias = at::randn({N});
      auto expected = at::mm(rounded(x), rounded(w).t()) + bias.to(at::kDouble);
      const double tol = 1e-5 * std::sqrt(static_cast<double>(K)) + 1e-5;
      EXPECT_TRUE(at::allclose(few_rows_matmul_bt_bf16(x, w.to(at::kBFloat16), bias).to(at::kDouble), expected, tol, tol))
          << M << "x" << K << "x" << N << " forward";
      auto dy = at::randn({M, N});
      EXPECT_TRUE(at::allclose(few_rows_matmul_pairs_bf16(dy, pack_row_pairs(w)).to(at::kDouble),
                               at::mm(rounded(dy), rounded(w)), tol, tol))
          << M << "x" << N << "x" << K << " backward";
    }
  }
  EXPECT_THROW(few_rows_matmul_bt_bf16(at::zeros({2, 33}), at::zeros({4, 33}, at::kBFloat16)), c10::Error);
  EXPECT_THROW(pack_row_pairs(at::zeros({3, 8})), c10::Error);
}

TEST(FewRowsMatmul, NonContiguousInputsAreCopiedNotMisread) {
  auto x = at::randn({8, 5}).t(), b = at::randn({40, 8}).t();  // (5, 8) and (8, 40), strided
  EXPECT_TRUE(at::allclose(few_rows_matmul(x, b), at::mm(x, b), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(few_rows_matmul_bt(x, b.t()), at::mm(x, b), 1e-5, 1e-5));
}

TEST(FewRowsMatmul, MismatchedShapesAndTypesAreRefused) {
  EXPECT_THROW(few_rows_matmul(at::zeros({2, 3}), at::zeros({4, 5})), c10::Error);
  EXPECT_THROW(few_rows_matmul(at::zeros({2, 3}, at::kDouble), at::zeros({3, 5}, at::kDouble)), c10::Error);
  EXPECT_THROW(few_rows_matmul(at::zeros({2, 3}), at::zeros({3, 5}), at::zeros({4})), c10::Error);
  EXPECT_THROW(few_rows_matmul_bt(at::zeros({2, 3}), at::zeros({3, 5})), c10::Error);
}

}  // namespace
}  // namespace dimp::bbox::cpu
