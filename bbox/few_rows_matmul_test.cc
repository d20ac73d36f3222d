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
