#!/usr/bin/env python3
"""Fails (exit 1) when a PNG screenshot is blank: too few pixels differ from its most common colour.

usage: png_ink.py FILE.png MIN_INK_FRACTION [LABEL]

Decodes 8-bit non-interlaced greyscale/RGB/RGBA PNGs (what Chromium writes) with the standard
library only (numpy speeds it up when present). Prints the ink fraction and the number of distinct
colours; a page that failed to render is one colour (white or grey), a broken figure a few pixels.
"""
import struct
import sys
import zlib
from collections import Counter


def decode(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, prior = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prior))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prior[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prior[i]
                c = prior[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 255
        elif kind != 0:
            raise ValueError(f"{path}: bad filter {kind} in row {y}")
        rows.append(bytes(line))
        prior = line
    return width, height, channels, rows


def main():
    path, minimum = sys.argv[1], float(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else path
    width, height, channels, rows = decode(path)
    pixels = Counter()
    for row in rows:
        pixels.update(row[i:i + min(channels, 3)] for i in range(0, len(row), channels))
    total = width * height
    background, count = pixels.most_common(1)[0]
    ink = 1 - count / total
    print(f"{label}: {width}x{height}, {len(pixels)} colours, {ink:.2%} ink")
    if len(pixels) < 3 or ink < minimum:
        print(f"FAIL {label}: blank or nearly blank ({ink:.2%} of pixels differ from the background, need {minimum:.2%})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
