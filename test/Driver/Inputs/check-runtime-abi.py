#!/usr/bin/env python3
"""Checks that a model library's calls into the CUDA launch runtime match it.

  check-runtime-abi.py MODEL.ll RUNTIME.ll...

MODEL.ll is `dlc compile --target cuda --emit=llvm` output; each RUNTIME.ll
is a runtime/cuda source compiled with clang -S -emit-llvm. For every
function MODEL.ll declares and calls (dlc_cu_*, dlc_cuda_*, mgpu*), a
runtime file must define it with the same return and parameter types (the
compiler writes the declarations from MLIR's conventions, the runtime from
C++: a difference would pass garbage on the GPU). Prints one line per
function; exit status 1 on a mismatch or a missing definition.
"""
import re
import sys

PREFIXES = ("dlc_cu_", "dlc_cuda_", "mgpu", "_mlir_memref_to_llvm_")
# Parameter attributes clang and MLIR attach; they do not change the ABI
# here (no struct or small-integer arguments are passed).
ATTRS = {"noundef", "nocapture", "readonly", "writeonly", "nonnull",
         "immarg", "returned", "noalias", "local_unnamed_addr", "dso_local",
         "signext", "zeroext"}


def types(params):
    out = []
    for p in filter(None, (x.strip() for x in params.split(","))):
        words = [w for w in p.split()
                 if w not in ATTRS and not w.startswith("%")
                 and not w.startswith("align") and not w.startswith("dereferenceable")]
        out.append(" ".join(words))
    return out


def signatures(path, keyword):
    sigs = {}
    pattern = re.compile(r"^%s\s+(?:[a-z_]+\s+)*?(\S+)\s+@([\w.]+)\((.*?)\)" % keyword)
    with open(path) as f:
        for line in f:
            m = pattern.match(line)
            if m and m.group(2).startswith(PREFIXES):
                sigs[m.group(2)] = (m.group(1), types(m.group(3)))
    return sigs


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    declared = signatures(sys.argv[1], "declare")
    defined = {}
    for path in sys.argv[2:]:
        defined.update(signatures(path, "define"))
    bad = 0
    for name in sorted(declared):
        want = declared[name]
        have = defined.get(name)
        if have is None:
            print("MISSING %s: declared as %s(%s), defined nowhere"
                  % (name, want[0], ", ".join(want[1])))
            bad += 1
        elif have != want:
            print("MISMATCH %s: the model calls %s(%s), the runtime defines %s(%s)"
                  % (name, want[0], ", ".join(want[1]), have[0], ", ".join(have[1])))
            bad += 1
        else:
            print("ok %s %s(%s)" % (name, want[0], ", ".join(want[1])))
    if not declared:
        print("MISSING: the model declares no runtime function")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
