# Command-line tools (included from the top-level CMakeLists.txt when OpenCV is found).
# dimp::cv_tracker: the cv::Tracker adapter, installed for applications.
add_library(dimp_cv_tracker tools/lib/cv_tracker.cc)
add_library(dimp::cv_tracker ALIAS dimp_cv_tracker)
set_target_properties(dimp_cv_tracker PROPERTIES EXPORT_NAME cv_tracker)
target_link_libraries(dimp_cv_tracker PUBLIC dimp_cv)

add_library(dimp_tools_lib
  tools/lib/frame_source.cc
  tools/lib/frame_tracker.cc
  tools/lib/live_view.cc
  tools/lib/output_files.cc
  tools/lib/plots.cc
  tools/lib/report.cc
  tools/lib/sequence_runner.cc
  tools/lib/trax.cc)
target_link_libraries(dimp_tools_lib PUBLIC dimp_cv_tracker ${CMAKE_DL_LIBS})

foreach(tool dimp_info dimp_track dimp_eval dimp_demo dimp_trax)
  add_executable(${tool} tools/${tool}.cc)
  target_link_libraries(${tool} PRIVATE dimp_tools_lib)
endforeach()

add_executable(opencv_drop_in tools/examples/opencv_drop_in.cc)
target_link_libraries(opencv_drop_in PRIVATE dimp_tools_lib)

foreach(bench tracker_benchmark multi_target_benchmark)
  add_executable(${bench} benchmarks/${bench}.cc)
  target_link_libraries(${bench} PRIVATE dimp_cv)
endforeach()
add_executable(dimp_weights tools/dimp_weights.cc)
target_link_libraries(dimp_weights PRIVATE dimp_tools_lib)
foreach(tool dimp_train dimp_synth)
  add_executable(${tool} tools/${tool}.cc)
  target_link_libraries(${tool} PRIVATE dimp_cv)
endforeach()
