#include "dimp/tracker_params.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace dimp {
namespace {

using nlohmann::json;

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
  fn("network_precision", p.network_precision);
  fn("iounet_k", p.iounet_k);
  fn("num_init_random_boxes", p.num_init_random_boxes);
  fn("box_jitter_pos", p.box_jitter_pos);
  fn("box_jitter_sz", p.box_jitter_sz);
  fn("maximal_aspect_ratio", p.maximal_aspect_ratio);
  fn("box_refinement_iter", p.box_refinement_iter);
  fn("box_refinement_step_length", p.box_refinement_step_length);
  fn("box_refinement_step_decay", p.box_refinement_step_decay);
  fn("feature_cell_size", p.feature_cell_size);
  fn("feature_orientations", p.feature_orientations);
  fn("feature_color", p.feature_color);
  fn("feature_color_histogram_bins", p.feature_color_histogram_bins);
  fn("feature_color_histogram_weight", p.feature_color_histogram_weight);
  fn("filter_size", p.filter_size);
  fn("label_sigma_factor", p.label_sigma_factor);
  fn("hinge_threshold", p.hinge_threshold);
  fn("filter_reg", p.filter_reg);
  fn("gd_step_length", p.gd_step_length);
  fn("seed", p.seed);
}

template <class T>
void read_field(const json& j, const std::string& name, T& out, const std::string& where) {
  try {
    out = j.get<T>();
  } catch (const json::exception& e) {
    throw std::invalid_argument(where + ": parameter '" + name + "' has the wrong type (" + e.what() + ")");
  }
}

void assign(TrackerParams& p, const std::string& key, const json& value, const std::string& where) {
  bool found = false;
  for_each_field(p, [&](const char* name, auto& member) {
    if (key == name) {
      read_field(value, key, member, where);
      found = true;
    }
  });
  if (!found) throw std::invalid_argument(where + ": unknown tracker parameter '" + key + "'");
}

}  // namespace

TrackerParams TrackerParams::from_json_string(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw std::invalid_argument(where + ": expected a JSON object of parameters");
  TrackerParams p;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '_') continue;  // "_comment" and the like
    assign(p, it.key(), it.value(), where);
  }
  p.validate();
  return p;
}

TrackerParams TrackerParams::from_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open tracker parameter file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return from_json_string(ss.str(), path);
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
  } catch (const json::parse_error&) {
    v = value;  // a bare word is a string (border_mode=inside)
  }
  assign(*this, name, v, "override " + name + "=" + value);
  validate();
}

void TrackerParams::apply_overrides(const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("parameter override '" + a + "' is not of the form name=value");
    }
    set(a.substr(0, eq), a.substr(eq + 1));
  }
}

void TrackerParams::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("tracker parameter out of range: " + what);
  };
  require(image_sample_size >= 16, "image_sample_size >= 16");
  require(search_area_scale > 0, "search_area_scale > 0");
  require(border_mode == "replicate" || border_mode == "mean" || border_mode == "zero" || border_mode == "inside" ||
              border_mode == "inside_major",
          "border_mode in {replicate, mean, zero, inside, inside_major}");
  require(patch_max_scale_change >= 1, "patch_max_scale_change >= 1");
  require(!scale_factors.empty(), "scale_factors not empty");
  for (double s : scale_factors) require(s > 0, "scale_factors > 0");
  require(scale_learning_rate > 0 && scale_learning_rate <= 1, "0 < scale_learning_rate <= 1");
  require(scale_filter_scales == 0 || scale_filter_scales >= 3, "scale_filter_scales 0 (off) or >= 3");
  require(aspect_filter_scales == 0 || (aspect_filter_scales >= 3 && scale_filter_scales > 0),
          "aspect_filter_scales 0 (off) or >= 3 with the scale filter on");
  require(scale_filter_step > 1, "scale_filter_step > 1");
  require(scale_filter_learning_rate > 0 && scale_filter_learning_rate <= 1, "0 < scale_filter_learning_rate <= 1");
  require(sample_memory_size >= 1, "sample_memory_size >= 1");
  require(learning_rate > 0 && learning_rate <= 1, "0 < learning_rate <= 1");
  require(hard_negative_learning_rate > 0 && hard_negative_learning_rate <= 1, "0 < hard_negative_learning_rate <= 1");
  require(init_samples_minimum_weight >= 0 && init_samples_minimum_weight < 1, "0 <= init_samples_minimum_weight < 1");
  require(train_skipping >= 1 && train_sample_interval >= 1, "train_skipping, train_sample_interval >= 1");
  require(net_opt_iter >= 0 && net_opt_update_iter >= 0 && net_opt_hn_iter >= 0, "optimizer iterations >= 0");
  require(model_averaging_rate > 0 && model_averaging_rate <= 1, "0 < model_averaging_rate <= 1");
  require(augment_dropout_num >= 0 && augment_dropout_prob >= 0 && augment_dropout_prob < 1, "dropout settings");
  require(augmentation_expansion_factor >= 1, "augmentation_expansion_factor >= 1");
  require(label_sigma_factor > 0 && filter_reg >= 0, "label_sigma_factor > 0, filter_reg >= 0");
  require(gd_step_length > 0, "gd_step_length > 0");
  require(feature_cell_size >= 1 && feature_orientations >= 0 && filter_size >= 1,
          "feature_cell_size >= 1, feature_orientations >= 0, filter_size >= 1");
  require(feature_color_histogram_bins == 0 || (feature_color_histogram_bins >= 2 && feature_color_histogram_bins <= 64),
          "feature_color_histogram_bins 0 (off) or in [2, 64]");
  require(feature_color_histogram_weight > 0, "feature_color_histogram_weight > 0");
  require(image_sample_size % feature_cell_size == 0, "image_sample_size a multiple of feature_cell_size");
  require(iounet_k >= 1 && box_refinement_iter >= 0, "iounet_k >= 1, box_refinement_iter >= 0");
  require(network_precision == "auto" || network_precision == "float32" || network_precision == "bfloat16",
          "network_precision in {auto, float32, bfloat16}");
}

}  // namespace dimp
