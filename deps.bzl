"""dimp_cpp_dependencies: the system libraries dimp-cpp builds against (Debian's packages,
installed by scripts/setup.sh), as repositories. Our WORKSPACE calls it, and so does any
workspace that depends on this one:

    local_repository(name = "dimp_cpp", path = "/path/to/dimp-cpp")
    load("@dimp_cpp//:deps.bzl", "dimp_cpp_dependencies")
    dimp_cpp_dependencies()
"""

def dimp_cpp_dependencies():
    # Headers under /usr/include are the toolchain's built-in include path; these repositories
    # add the sub-folders and link flags.
    native.new_local_repository(
        name = "libtorch",
        path = "/usr/include/torch/csrc/api",
        build_file = str(Label("//third_party:libtorch.BUILD")),
    )
    native.new_local_repository(
        name = "opencv",
        path = "/usr/include/opencv4",
        build_file = str(Label("//third_party:opencv.BUILD")),
    )
    native.new_local_repository(
        name = "eigen",
        path = "/usr/include/eigen3",
        build_file = str(Label("//third_party:eigen.BUILD")),
    )
    # Libraries whose headers sit directly in /usr/include: link flags only.
    native.new_local_repository(
        name = "system_libs",
        path = "/usr/include/nlohmann",
        build_file = str(Label("//third_party:system_libs.BUILD")),
    )
