#!/usr/bin/env python3
"""Package Lambda binaries as zips: each <name>.zip holds one executable `bootstrap`.

usage: package.py BIN_DIR OUT_DIR NAME [NAME ...]

The zip entry has a fixed timestamp so an unchanged binary gives a byte-identical zip
(Terraform then sees no change).
"""
import os
import sys
import zipfile


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    bin_dir, out_dir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        src = os.path.join(bin_dir, name)
        if not os.path.isfile(src):
            print(f"error: {src} does not exist; build the workspace first (make build)", file=sys.stderr)
            return 1
        dst = os.path.join(out_dir, f"{name}.zip")
        tmp = dst + ".tmp"
        info = zipfile.ZipInfo("bootstrap", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o100755 << 16)
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(src, "rb") as f, zipfile.ZipFile(tmp, "w") as z:
            z.writestr(info, f.read(), compresslevel=6)
        os.replace(tmp, dst)
        print(f"    {dst} ({os.path.getsize(dst) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
