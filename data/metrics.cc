#include "data/metrics.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace dimp::data {
namespace {

std::vector<double> grid(double step, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = i * step;
  return v;
}

// Fraction of values <= threshold (precision) or > threshold (success) for each threshold.
std::vector<double> curve(const std::vector<double>& values, const std::vector<double>& thresholds, bool above) {
  std::vector<double> out;
  for (double t : thresholds) {
    size_t n = 0;
    for (double v : values) n += above ? (v > t) : (v <= t);
    out.push_back(values.empty() ? 0.0 : static_cast<double>(n) / values.size());
  }
  return out;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

void summarise(const std::vector<double>& ov, const std::vector<double>& err, const std::vector<double>& nerr,
               std::vector<double>& sc, std::vector<double>& pc, std::vector<double>& npc, double& auc, double& p20,
               double& np, double& ao, double& sr50, double& sr75) {
  sc = curve(ov, success_thresholds(), true);
  pc = curve(err, precision_thresholds(), false);
  npc = curve(nerr, norm_precision_thresholds(), false);
  auc = mean(sc);
  p20 = pc[20];
  np = npc[20];  // normalised precision at 0.2 (TrackingNet's headline figure)
  ao = mean(ov);
  sr50 = curve(ov, {0.5}, true)[0];
  sr75 = curve(ov, {0.75}, true)[0];
}

}  // namespace

const std::vector<double>& success_thresholds() {
  static const std::vector<double> t = grid(0.05, 21);
  return t;
}
const std::vector<double>& precision_thresholds() {
  static const std::vector<double> t = grid(1.0, 51);
  return t;
}
const std::vector<double>& norm_precision_thresholds() {
  static const std::vector<double> t = grid(0.01, 51);
  return t;
}

SequenceMetrics evaluate(const std::vector<bbox::Box>& pred, const std::vector<bbox::Box>& gt) {
  if (pred.size() != gt.size()) {
    throw std::invalid_argument("evaluate: " + std::to_string(pred.size()) + " predicted boxes for " +
                                std::to_string(gt.size()) + " ground-truth frames");
  }
  SequenceMetrics m;
  const double inf = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < gt.size(); ++i) {
    if (!gt[i].is_valid()) continue;  // no target (or no annotation): not scored
    const bool ok = pred[i].is_valid();
    m.overlaps.push_back(ok ? bbox::iou(pred[i], gt[i]) : 0.0);
    m.center_errors.push_back(ok ? bbox::center_distance(pred[i], gt[i]) : inf);
    m.norm_center_errors.push_back(
        ok ? std::hypot((pred[i].cx() - gt[i].cx()) / gt[i].w, (pred[i].cy() - gt[i].cy()) / gt[i].h) : inf);
  }
  m.frames = static_cast<int>(m.overlaps.size());
  summarise(m.overlaps, m.center_errors, m.norm_center_errors, m.success_curve, m.precision_curve,
            m.norm_precision_curve, m.auc, m.precision_20, m.norm_precision, m.average_overlap, m.success_50,
            m.success_75);
  return m;
}

SequenceMetrics evaluate(const std::vector<bbox::Box>& pred, const std::vector<bbox::Box>& gt,
                         const std::vector<uint8_t>& selected) {
  if (selected.size() != gt.size() || pred.size() != gt.size()) {
    throw std::invalid_argument("evaluate: " + std::to_string(pred.size()) + " predicted boxes, " +
                                std::to_string(gt.size()) + " ground-truth frames and " +
                                std::to_string(selected.size()) + " frame flags");
  }
  std::vector<bbox::Box> p, g;
  for (size_t i = 0; i < gt.size(); ++i) {
    if (!selected[i]) continue;
    p.push_back(pred[i]);
    g.push_back(gt[i]);
  }
  return evaluate(p, g);
}

DatasetMetrics aggregate(const std::vector<SequenceMetrics>& seqs) {
  DatasetMetrics d;
  d.success_curve.assign(success_thresholds().size(), 0.0);
  d.precision_curve.assign(precision_thresholds().size(), 0.0);
  d.norm_precision_curve.assign(norm_precision_thresholds().size(), 0.0);
  std::vector<double> ov;
  for (const auto& s : seqs) {
    if (s.frames == 0) continue;
    ++d.sequences;
    for (size_t i = 0; i < d.success_curve.size(); ++i) d.success_curve[i] += s.success_curve[i];
    for (size_t i = 0; i < d.precision_curve.size(); ++i) d.precision_curve[i] += s.precision_curve[i];
    for (size_t i = 0; i < d.norm_precision_curve.size(); ++i) d.norm_precision_curve[i] += s.norm_precision_curve[i];
    ov.insert(ov.end(), s.overlaps.begin(), s.overlaps.end());
  }
  if (d.sequences == 0) return d;
  for (double& v : d.success_curve) v /= d.sequences;
  for (double& v : d.precision_curve) v /= d.sequences;
  for (double& v : d.norm_precision_curve) v /= d.sequences;
  d.frames = static_cast<int>(ov.size());
  d.auc = mean(d.success_curve);
  d.precision_20 = d.precision_curve[20];
  d.norm_precision = d.norm_precision_curve[20];
  d.average_overlap = mean(ov);
  d.success_50 = curve(ov, {0.5}, true)[0];
  d.success_75 = curve(ov, {0.75}, true)[0];
  return d;
}

}  // namespace dimp::data
