#include "optim/steepest_descent_impl.h"

#include "losses/hinge_loss.h"
#include "losses/learned_loss.h"
#include "losses/least_squares_loss.h"

namespace dimp::optim {
template class SteepestDescentGN<losses::LearnedLoss>;
template class SteepestDescentGN<losses::HingeLoss>;
template class SteepestDescentGN<losses::LeastSquaresLoss>;
}  // namespace dimp::optim
