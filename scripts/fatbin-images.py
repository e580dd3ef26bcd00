#!/usr/bin/env python3
"""Lists the images of the CUDA fatbins embedded in a file (a model library
built with `dlc compile --target cuda`, an object, or a .fatbin), one line
per image: its kind (elf: a cubin; ptx: compiled when loaded) and its chip.

    python3 scripts/fatbin-images.py net.so
    elf sm_90
    ptx sm_90
    elf sm_80
    ptx sm_80

Use it where CUDA's cuobjdump is not installed (`cuobjdump --list-elf
--list-ptx net.so` says the same)."""
import struct
import sys

MAGIC = 0xBA55ED50
KINDS = {1: "ptx", 2: "elf"}


def images(data):
    at = data.find(struct.pack("<I", MAGIC))
    while at >= 0:
        _, _, header, size = struct.unpack_from("<IHHQ", data, at)
        entry, end = at + header, at + header + size
        while entry < end:
            kind, _, eheader, payload = struct.unpack_from("<HHIQ", data, entry)
            sm = struct.unpack_from("<I", data, entry + 28)[0]
            yield KINDS.get(kind, "kind%d" % kind), "sm_%d" % sm
            entry += eheader + payload
        at = data.find(struct.pack("<I", MAGIC), end)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fatbin-images.py FILE")
    with open(sys.argv[1], "rb") as f:
        found = list(images(f.read()))
    if not found:
        sys.exit("%s: no CUDA fatbin" % sys.argv[1])
    for kind, sm in found:
        print(kind, sm)


if __name__ == "__main__":
    main()
