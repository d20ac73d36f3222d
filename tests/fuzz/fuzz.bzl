"""fuzz_target: one parser's libFuzzer target, as two rules.

- <name>_replay (cc_test): the target's corpus and seeded mutations of it through the target,
  in every build (the suite's bounded part of fuzzing; under scripts/sanitize.sh with
  AddressSanitizer and UBSan).
- <name> (cc_binary, tag "manual"): the coverage-guided libFuzzer binary; scripts/fuzz.sh builds
  it with clang and --config=fuzz and runs it on the same corpus.
"""

def fuzz_target(name, srcs, deps, corpus, mutations = 300):
    native.filegroup(
        name = name + "_corpus",
        srcs = corpus,
    )
    native.cc_test(
        name = name + "_replay",
        size = "small",
        srcs = srcs,
        deps = deps + ["//tests/fuzz:replay_main"],
        data = [":" + name + "_corpus"],
        args = ["--mutations", str(mutations), "$(locations :" + name + "_corpus)"],
    )
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps,
        linkopts = select({
            "//tests/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = ["manual"],
    )
