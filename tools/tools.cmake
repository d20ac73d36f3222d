# Command-line tools (included from the top-level CMakeLists.txt when OpenCV is found).
add_executable(dimp_info tools/dimp_info.cc)
target_link_libraries(dimp_info PRIVATE dimp_core)
