#include "dimp/tracker_params.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace dimp {
namespace {

using nlohmann::json;

// shown: a value as JSON text for a message, invalid UTF-8 replaced (dump() would throw).
std::string shown(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// The field table: one place that lists every parameter's name and member.
template <class Fn>
void for_each_field(TrackerParams& p, Fn&& fn) {
  fn("image_sample_size", p.image_sample_size);
  fn("search_area_scale", p.search_area_scale);
  fn("border_mode", p.border_mode);
  fn("patch_max_scale_change", p.patch_max_scale_change);
  fn("target_inside_ratio", p.target_inside_ratio);
  fn("scale_factors", p.scale_factors);
  fn("scale_learning_rate", p.scale_learning_rate);
  fn("min_target_size", p.min_target_size);
  fn("scale_filter_scales", p.scale_filter_scales);
  fn("aspect_filter_scales", p.aspect_filter_scales);
  fn("scale_filter_step", p.scale_filter_step);
  fn("scale_filter_learning_rate", p.scale_filter_learning_rate);
  fn("sample_memory_size", p.sample_memory_size);
  fn("learning_rate", p.learning_rate);
  fn("init_samples_minimum_weight", p.init_samples_minimum_weight);
  fn("train_skipping", p.train_skipping);
  fn("train_sample_interval", p.train_sample_interval);
  fn("update_classifier", p.update_classifier);
  fn("net_opt_iter", p.net_opt_iter);
  fn("net_opt_update_iter", p.net_opt_update_iter);
  fn("net_opt_hn_iter", p.net_opt_hn_iter);
  fn("hard_negative_learning_rate", p.hard_negative_learning_rate);
  fn("model_averaging_rate", p.model_averaging_rate);
  fn("use_augmentation", p.use_augmentation);
  fn("augment_fliplr", p.augment_fliplr);
  fn("augment_rotate", p.augment_rotate);
  fn("augment_blur", p.augment_blur);
  fn("augment_relative_shift", p.augment_relative_shift);
  fn("augment_dropout_num", p.augment_dropout_num);
  fn("augment_dropout_prob", p.augment_dropout_prob);
  fn("augmentation_expansion_factor", p.augmentation_expansion_factor);
  fn("random_shift_factor", p.random_shift_factor);
  fn("advanced_localization", p.advanced_localization);
  fn("target_not_found_threshold", p.target_not_found_threshold);
  fn("distractor_threshold", p.distractor_threshold);
  fn("hard_negative_threshold", p.hard_negative_threshold);
  fn("target_neighborhood_scale", p.target_neighborhood_scale);
  fn("displacement_scale", p.displacement_scale);
  fn("window_output", p.window_output);
  fn("subpixel_peak", p.subpixel_peak);
  fn("update_scale_when_uncertain", p.update_scale_when_uncertain);
  fn("relative_scores", p.relative_scores);
  fn("score_preprocess", p.score_preprocess);
  fn("network_precision", p.network_precision);
  fn("device", p.device);
  fn("geometry", p.geometry);
  fn("iounet_k", p.iounet_k);
  fn("num_init_random_boxes", p.num_init_random_boxes);
  fn("box_jitter_pos", p.box_jitter_pos);
  fn("box_jitter_sz", p.box_jitter_sz);
  fn("maximal_aspect_ratio", p.maximal_aspect_ratio);
  fn("box_refinement_iter", p.box_refinement_iter);
  fn("box_refinement_step_length", p.box_refinement_step_length);
  fn("box_refinement_step_decay", p.box_refinement_step_decay);
  fn("box_refinement_space", p.box_refinement_space);
  fn("feature_cell_size", p.feature_cell_size);
  fn("feature_orientations", p.feature_orientations);
  fn("feature_color", p.feature_color);
  fn("feature_color_histogram_bins", p.feature_color_histogram_bins);
  fn("feature_color_histogram_weight", p.feature_color_histogram_weight);
  fn("filter_size", p.filter_size);
  fn("deep_stride8_weight", p.deep_stride8_weight);
  fn("deep_center", p.deep_center);
  fn("deep_handcrafted_weight", p.deep_handcrafted_weight);
  fn("label_sigma_factor", p.label_sigma_factor);
  fn("hinge_threshold", p.hinge_threshold);
  fn("filter_reg", p.filter_reg);
  fn("gd_step_length", p.gd_step_length);
  fn("seed", p.seed);
}

[[noreturn]] void wrong_type(const std::string& where, const std::string& name, const json& j, const char* want) {
  throw std::invalid_argument(where + ": parameter '" + name + "' must be " + want + ", got " + shown(j));
}

// read_value: one JSON value into a field of type T, refusing what T cannot hold exactly
// (nlohmann's get<int> would narrow 15.7 to 15 and 4294967311 to 15).
void read_value(const json& j, const std::string& name, int& out, const std::string& where) {
  if (!j.is_number_integer()) wrong_type(where, name, j, "an integer");
  if (j.is_number_unsigned() ? j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int>::max())
                             : (j.get<int64_t>() < std::numeric_limits<int>::min() ||
                                j.get<int64_t>() > std::numeric_limits<int>::max())) {
    wrong_type(where, name, j, "an integer that fits 32 bits");
  }
  out = static_cast<int>(j.get<int64_t>());
}
void read_value(const json& j, const std::string& name, uint64_t& out, const std::string& where) {
  if (!j.is_number_unsigned()) wrong_type(where, name, j, "a non-negative integer");
  out = j.get<uint64_t>();
}
void read_value(const json& j, const std::string& name, double& out, const std::string& where) {
  if (!j.is_number() || !std::isfinite(j.get<double>())) wrong_type(where, name, j, "a finite number");
  out = j.get<double>();
}
void read_value(const json& j, const std::string& name, bool& out, const std::string& where) {
  if (!j.is_boolean()) wrong_type(where, name, j, "true or false");
  out = j.get<bool>();
}
void read_value(const json& j, const std::string& name, std::string& out, const std::string& where) {
  if (!j.is_string()) wrong_type(where, name, j, "a string");
  out = j.get<std::string>();
}
void read_value(const json& j, const std::string& name, std::vector<double>& out, const std::string& where) {
  if (!j.is_array()) wrong_type(where, name, j, "a list of numbers");
  std::vector<double> v(j.size());
  for (size_t i = 0; i < j.size(); ++i) read_value(j[i], name, v[i], where);
  out = std::move(v);
}
void read_value(const json& j, const std::string& name, std::vector<std::pair<double, double>>& out,
                const std::string& where) {
  if (!j.is_array()) wrong_type(where, name, j, "a list of number pairs");
  std::vector<std::pair<double, double>> v(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array() || j[i].size() != 2) wrong_type(where, name, j, "a list of number pairs");
    read_value(j[i][0], name, v[i].first, where);
    read_value(j[i][1], name, v[i].second, where);
  }
  out = std::move(v);
}

void assign(TrackerParams& p, const std::string& key, const json& value, const std::string& where) {
  bool found = false;
  for_each_field(p, [&](const char* name, auto& member) {
    if (key == name) {
      read_value(value, key, member, where);
      found = true;
    }
  });
  if (!found) throw std::invalid_argument(where + ": unknown tracker parameter '" + key + "'");
}

// is_device_name: "cpu", "cuda" or "cuda:N" (N a device index below 100).
bool is_device_name(const std::string& d) {
  if (d == "cpu" || d == "cuda") return true;
  const std::string prefix = "cuda:";
  if (d.size() <= prefix.size() || d.size() > prefix.size() + 2 || d.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < d.size(); ++i) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  return true;
}

// Range checks that name the field, its value and the range.
template <class T>
std::string show(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void in_range(const char* name, double v, double lo, double hi, bool lo_open = false) {
  if (!(lo_open ? v > lo : v >= lo) || !(v <= hi)) {
    throw std::invalid_argument("tracker parameter " + std::string(name) + " = " + show(v) + " is out of range " +
                                (lo_open ? "(" : "[") + show(lo) + ", " + show(hi) + "]");
  }
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("tracker parameter out of range: " + what);
}

void list_in_range(const char* name, const std::vector<double>& v, size_t max_size, double lo, double hi,
                   bool lo_open = false) {
  require(v.size() <= max_size, std::string(name) + " has " + show(v.size()) + " entries, at most " + show(max_size));
  for (double x : v) in_range(name, x, lo, hi, lo_open);
}

void pairs_in_range(const char* name, const std::vector<std::pair<double, double>>& v, size_t max_size, double lo,
                    double hi, bool lo_open = false) {
  require(v.size() <= max_size, std::string(name) + " has " + show(v.size()) + " entries, at most " + show(max_size));
  for (const auto& [a, b] : v) {
    in_range(name, a, lo, hi, lo_open);
    in_range(name, b, lo, hi, lo_open);
  }
}

}  // namespace

TrackerParams TrackerParams::from_json_string(const std::string& text, const TrackerParams& base,
                                              const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw std::invalid_argument(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw std::invalid_argument(where + ": expected a JSON object of parameters");
  TrackerParams p = base;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '_') continue;  // "_comment" and the like
    assign(p, it.key(), it.value(), where);
  }
  try {
    p.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(where + ": " + e.what());
  }
  return p;
}

TrackerParams TrackerParams::from_json_file(const std::string& path, const TrackerParams& base) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open tracker parameter file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return from_json_string(ss.str(), base, path);
}

std::string TrackerParams::to_json() const {
  json j = json::object();
  TrackerParams copy = *this;
  for_each_field(copy, [&](const char* name, auto& member) { j[name] = member; });
  return j.dump(2);
}

void TrackerParams::set(const std::string& name, const std::string& value) {
  json v;
  try {
    v = json::parse(value);
  } catch (const json::exception&) {  // not JSON (or a number out of range)
    v = value;  // a bare word is a string (border_mode=inside)
  }
  assign(*this, name, v, "override " + name + "=" + value);
}

void TrackerParams::apply_overrides(const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("parameter override '" + a + "' is not of the form name=value");
    }
    set(a.substr(0, eq), a.substr(eq + 1));
  }
  validate();
}

int TrackerParams::first_frame_samples() const {
  if (!use_augmentation) return 1;
  return 1 + static_cast<int>(augment_relative_shift.size()) + (augment_fliplr ? 1 : 0) +
         static_cast<int>(augment_blur.size()) + static_cast<int>(augment_rotate.size()) + augment_dropout_num;
}

// The upper bounds keep the work and memory of one frame within what a tracker can use (a
// 4096-pixel patch or 100,000 dropout samples took 8-13 GB); the reference's values sit well
// inside every range.
void TrackerParams::validate() const {
  // Search region.
  in_range("image_sample_size", image_sample_size, 16, 1024);
  in_range("search_area_scale", search_area_scale, 0, 20, true);
  require(border_mode == "replicate" || border_mode == "mean" || border_mode == "zero" || border_mode == "inside" ||
              border_mode == "inside_major",
          "border_mode = " + border_mode + " is none of replicate, mean, zero, inside, inside_major");
  in_range("patch_max_scale_change", patch_max_scale_change, 1, 1e9);
  in_range("target_inside_ratio", target_inside_ratio, 0, 0.5);
  require(!scale_factors.empty(), "scale_factors is empty");
  list_in_range("scale_factors", scale_factors, 16, 0.1, 10);
  in_range("scale_learning_rate", scale_learning_rate, 0, 1, true);
  in_range("min_target_size", min_target_size, 0, 1000, true);
  require(scale_filter_scales == 0 || (scale_filter_scales >= 3 && scale_filter_scales <= 129),
          "scale_filter_scales = " + show(scale_filter_scales) + " is neither 0 (off) nor in [3, 129]");
  require(aspect_filter_scales == 0 || (aspect_filter_scales >= 3 && aspect_filter_scales <= 129),
          "aspect_filter_scales = " + show(aspect_filter_scales) + " is neither 0 (off) nor in [3, 129]");
  in_range("scale_filter_step", scale_filter_step, 1, 2, true);
  in_range("scale_filter_learning_rate", scale_filter_learning_rate, 0, 1, true);
  // Sample memory and model update.
  in_range("sample_memory_size", sample_memory_size, 1, 500);
  in_range("learning_rate", learning_rate, 0, 1, true);
  in_range("init_samples_minimum_weight", init_samples_minimum_weight, 0, 1);
  require(init_samples_minimum_weight < 1, "init_samples_minimum_weight = 1 leaves no weight for later samples");
  in_range("train_skipping", train_skipping, 1, 100000);
  in_range("train_sample_interval", train_sample_interval, 1, 100000);
  in_range("net_opt_iter", net_opt_iter, 0, 1000);
  in_range("net_opt_update_iter", net_opt_update_iter, 0, 1000);
  in_range("net_opt_hn_iter", net_opt_hn_iter, 0, 1000);
  in_range("hard_negative_learning_rate", hard_negative_learning_rate, 0, 1, true);
  in_range("model_averaging_rate", model_averaging_rate, 0, 1, true);
  // First-frame augmentation.
  list_in_range("augment_rotate", augment_rotate, 32, -180, 180);
  pairs_in_range("augment_blur", augment_blur, 32, 0, 20, true);
  pairs_in_range("augment_relative_shift", augment_relative_shift, 32, -2, 2);
  in_range("augment_dropout_num", augment_dropout_num, 0, 64);
  in_range("augment_dropout_prob", augment_dropout_prob, 0, 0.99);
  in_range("augmentation_expansion_factor", augmentation_expansion_factor, 1, 4);
  in_range("random_shift_factor", random_shift_factor, 0, 1);
  // With a floor on their weight the first frame's samples are never replaced: the memory
  // needs room for them and at least one later sample (else it has no slot to give).
  const int first = first_frame_samples();
  require(init_samples_minimum_weight > 0 ? sample_memory_size > first : sample_memory_size >= first,
          "sample_memory_size = " + show(sample_memory_size) + " cannot hold the first frame's " + show(first) +
              " samples" + (init_samples_minimum_weight > 0 ? " and a later one (init_samples_minimum_weight > 0 keeps them)" : ""));
  // Localization.
  in_range("target_not_found_threshold", target_not_found_threshold, -1e9, 1e9);
  in_range("distractor_threshold", distractor_threshold, 0, 10);
  in_range("hard_negative_threshold", hard_negative_threshold, 0, 10);
  in_range("target_neighborhood_scale", target_neighborhood_scale, 0, 20);
  in_range("displacement_scale", displacement_scale, 0, 10);
  require(network_precision == "auto" || network_precision == "float32" || network_precision == "bfloat16",
          "network_precision = " + network_precision + " is none of auto, float32, bfloat16");
  require(is_device_name(device), "device = " + device + " is none of cpu, cuda, cuda:N");
  require(geometry == "exact" || geometry == "pytracking" || geometry == "auto",
          "geometry = " + geometry + " is none of exact, pytracking, auto");
  require(geometry != "pytracking" || border_mode != "mean",
          "border_mode = mean has no pytracking counterpart (geometry = pytracking takes replicate, zero, inside, "
          "inside_major)");
  // IoU-Net refinement.
  in_range("iounet_k", iounet_k, 1, 64);
  in_range("num_init_random_boxes", num_init_random_boxes, 0, 256);
  in_range("box_jitter_pos", box_jitter_pos, 0, 10);
  in_range("box_jitter_sz", box_jitter_sz, 0, 10);
  in_range("maximal_aspect_ratio", maximal_aspect_ratio, 1, 100);
  in_range("box_refinement_iter", box_refinement_iter, 0, 100);
  in_range("box_refinement_step_length", box_refinement_step_length, 0, 100);
  in_range("box_refinement_step_decay", box_refinement_step_decay, 0, 10, true);
  require(box_refinement_space == "default" || box_refinement_space == "relative",
          "box_refinement_space = " + box_refinement_space + " is none of default, relative");
  require(score_preprocess == "none" || score_preprocess == "softmax" || score_preprocess == "exp",
          "score_preprocess = " + score_preprocess + " is none of none, softmax, exp");
  // Weight-free features and filter.
  in_range("feature_cell_size", feature_cell_size, 1, 32);
  in_range("feature_orientations", feature_orientations, 0, 36);
  require(feature_color_histogram_bins == 0 || (feature_color_histogram_bins >= 2 && feature_color_histogram_bins <= 64),
          "feature_color_histogram_bins = " + show(feature_color_histogram_bins) + " is neither 0 (off) nor in [2, 64]");
  in_range("feature_color_histogram_weight", feature_color_histogram_weight, 0, 100, true);
  require(image_sample_size % feature_cell_size == 0,
          "image_sample_size = " + show(image_sample_size) + " is not a multiple of feature_cell_size = " +
              show(feature_cell_size));
  in_range("filter_size", filter_size, 1, std::min(15, image_sample_size / feature_cell_size));
  in_range("deep_stride8_weight", deep_stride8_weight, 0, 10);
  in_range("deep_handcrafted_weight", deep_handcrafted_weight, 0, 10);
  in_range("label_sigma_factor", label_sigma_factor, 0, 10, true);
  in_range("hinge_threshold", hinge_threshold, 0, 1);
  in_range("filter_reg", filter_reg, 0, 1000);
  in_range("gd_step_length", gd_step_length, 0, 100, true);
}

}  // namespace dimp
