#include "optim/gradient_descent_impl.h"

#include "losses/hinge_loss.h"
#include "losses/learned_loss.h"
#include "losses/least_squares_loss.h"

namespace dimp::optim {
template class GradientDescent<losses::LearnedLoss>;
template class GradientDescent<losses::HingeLoss>;
template class GradientDescent<losses::LeastSquaresLoss>;
}  // namespace dimp::optim
