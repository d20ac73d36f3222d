// dimp/tracker_params.h — the online tracker's parameters (§3.7 and the reference's
// parameter files), read from a per-variant JSON file and overridable per run.
//
//   TrackerParams p = TrackerParams::from_json_file("mine.json", default_params("weight-free"));
//   p.apply_overrides({"learning_rate=0.02"});   // command-line overrides, validated together
//
// Every field has the reference's (DiMP-18) value as default; units in comments. validate()
// bounds every field from both sides (the ranges are in tracker_params.cc), so no value can
// hang the tracker or exhaust memory, and integers are never narrowed from JSON.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dimp {

// TrackerParams: what Tracker<> reads at initialize(); not changed while tracking.
struct TrackerParams {
  // Search region.
  int image_sample_size = 288;          // patch side in pixels (network input)
  double search_area_scale = 5.0;       // patch side / sqrt(target area)
  std::string border_mode = "replicate";  // replicate | mean | zero | inside | inside_major
  double patch_max_scale_change = 1e9;  // shrink limit of the inside modes
  double target_inside_ratio = 0.2;     // how far the centre may leave the image (x target size)
  std::vector<double> scale_factors = {1.0};  // patch scales sampled each frame (multi-scale search)
  double scale_learning_rate = 1.0;     // damping of the multi-scale search's size update (1 = none)
  double min_target_size = 10;          // pixels; lower bound of the estimated target side
  // Weight-free variants: a DSST scale filter over this many scales sets the size (0: the
  // multi-scale search above does); its scale step and model learning rate.
  int scale_filter_scales = 0;
  int aspect_filter_scales = 0;  // and an aspect filter over this many shapes (0: off; needs the scale filter)
  double scale_filter_step = 1.02;
  double scale_filter_learning_rate = 0.025;

  // Sample memory and model update (§3.7).
  int sample_memory_size = 50;
  double learning_rate = 0.01;               // weight of each new sample
  double init_samples_minimum_weight = 0.25; // total weight kept by the first frame's samples
  int train_skipping = 20;                   // optimise every this many frames
  int train_sample_interval = 1;             // store a sample every this many frames
  bool update_classifier = true;
  int net_opt_iter = 10;         // optimizer steps at initialisation
  int net_opt_update_iter = 2;   // steps every train_skipping frames
  int net_opt_hn_iter = 1;       // steps after a hard negative (distractor)
  double hard_negative_learning_rate = 0.02;
  double model_averaging_rate = 0.05;  // ModelAveraging update: weight of each new model

  // First-frame augmentation: 15 samples with the defaults.
  bool use_augmentation = true;
  bool augment_fliplr = true;
  std::vector<double> augment_rotate = {10, -10, 45, -45};                 // degrees
  std::vector<std::pair<double, double>> augment_blur = {{3, 1}, {1, 3}, {2, 2}};  // sigma (y, x)
  std::vector<std::pair<double, double>> augment_relative_shift = {{0.6, 0.6}, {-0.6, 0.6}, {0.6, -0.6}, {-0.6, -0.6}};
  int augment_dropout_num = 2;
  double augment_dropout_prob = 0.2;
  double augmentation_expansion_factor = 2.0;
  double random_shift_factor = 1.0 / 3.0;

  // Localization (ATOM's advanced localization).
  bool advanced_localization = true;
  double target_not_found_threshold = 0.25;
  double distractor_threshold = 0.8;
  double hard_negative_threshold = 0.5;
  double target_neighborhood_scale = 2.2;
  double displacement_scale = 0.8;
  bool window_output = false;      // multiply scores by a cosine window
  bool subpixel_peak = false;      // refine the peak by a quadratic fit (coarse feature maps)
  bool update_scale_when_uncertain = true;
  // Scores divided by the model's peak on the first frame, so that target_not_found_threshold
  // is a fraction of it (for features without a trained score scale: the weight-free variant).
  bool relative_scores = false;
  // The scores as localization reads them: none (as they come), softmax over each scale's
  // grid (PrDiMP: the scores are a log density, its thresholds are probabilities) or exp.
  std::string score_preprocess = "none";

  // Network arithmetic of the DiMP variants on the CPU: float32, bfloat16 (the convolutions of
  // every frame in bfloat16: about twice as fast where the CPU multiplies bfloat16 natively,
  // emulated and slow elsewhere), or auto (bfloat16 exactly where it is native).
  std::string network_precision = "auto";

  // Where the network, its features and the model run: cpu, cuda or cuda:N (the DiMP
  // variants on a ResNet: dimp18, dimp50, prdimp18, prdimp50, superdimp). Frames and patches
  // are cut on the CPU and moved; localization reads the scores back. On a CUDA device
  // network_precision auto is float32.
  std::string device = "cpu";

  // Geometry: exact (our conventions: every crop, box and centre where it lies) or pytracking
  // (pytracking's tracker as it runs under PyTorch >= 1.5, to the pixel: its crop sizes and
  // anchors, first-frame boxes of the nominal patch, the IoU-Net centre's half-pixel bias,
  // OpenCV's rotation, zero-padded blurs, its clamping and sample-weight renormalisation;
  // README "Same boxes as pytracking"). pytracking's own weights were tuned with the latter.
  // auto (DiMP's variants): pytracking for weights converted from pytracking's checkpoints,
  // exact otherwise, settled when the tracker is made (resolve_geometry, dimp_tracker.h).
  std::string geometry = "exact";

  // IoU-Net box refinement (DiMP variants).
  int iounet_k = 3;
  int num_init_random_boxes = 9;
  double box_jitter_pos = 0.1;
  double box_jitter_sz = 0.5;
  double maximal_aspect_ratio = 6;
  int box_refinement_iter = 5;
  double box_refinement_step_length = 1.0;
  double box_refinement_step_decay = 1.0;
  // default: gradient ascent on (x, y, w, h), steps scaled by the box size (ATOM, DiMP);
  // relative: on (cx/w0, cy/h0, log w, log h), w0 x h0 the first proposal's size (PrDiMP).
  std::string box_refinement_space = "default";

  // Weight-free variant: hand-crafted features and the filter (DiMP's come with the weights).
  int feature_cell_size = 4;       // pixels per feature cell (the feature stride)
  int feature_orientations = 9;    // gradient-orientation bins (0: none)
  bool feature_color = true;       // opponent-colour channels
  int feature_color_histogram_bins = 0;  // > 0: a P(target | colour) channel, bins per RGB channel
  double feature_color_histogram_weight = 0.5;  // that channel's scale (values in [0, 1])
  int filter_size = 4;             // k of the k x k target model

  // Deep variant: features of the pretrained network (backbones/graph_features.h), stride 16.
  double deep_stride8_weight = 0;      // weight of the stride-8 activations pooled to stride 16 (0: off)
  bool deep_center = true;             // centre each deep channel over the patch
  double deep_handcrafted_weight = 0;  // weight of HOG, colour and colour likelihood at 16-pixel cells (0: off)

  // Loss settings of the weight-free variant (fixed losses; DiMP learns its own).
  double label_sigma_factor = 0.25;  // Gaussian label σ relative to the target size (in cells)
  double hinge_threshold = 0.05;     // T of eq. 8
  double filter_reg = 0.1;           // λ
  double gd_step_length = 0.05;      // the fixed step of the gradient-descent ablation

  // Reproducibility.
  uint64_t seed = 1;

  // from_json_file / from_json_string: a parameter file's values over `base` (a partial file
  // keeps base's value for every field it omits: give the variant's own defaults); unknown
  // keys, wrong types and non-integral or out-of-range integers are errors naming the key.
  static TrackerParams from_json_file(const std::string& path, const TrackerParams& base);
  static TrackerParams from_json_string(const std::string& text, const TrackerParams& base,
                                        const std::string& where = "<string>");
  std::string to_json() const;
  // set: one value from text ("0.02", "true", "[1,0.98]", a bare word is a string); throws on
  // unknown names and wrong types. Ranges are checked by validate(), once all values are set.
  void set(const std::string& name, const std::string& value);
  // apply_overrides: "name=value" strings, then validate() (so their order does not matter).
  void apply_overrides(const std::vector<std::string>& assignments);
  // validate: every field within its range; throws std::invalid_argument naming the field, its
  // value and the range.
  void validate() const;
  // first_frame_samples: how many training samples the first frame gives (15 with the
  // reference's augmentation, §3.7: the image, 4 shifts, a flip, 3 blurs, 4 rotations, 2
  // dropouts).
  int first_frame_samples() const;
  // pytracking_geometry: whether geometry is "pytracking" ("auto" not yet settled counts as exact).
  bool pytracking_geometry() const { return geometry == "pytracking"; }
};

}  // namespace dimp
