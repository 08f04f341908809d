"""The run state's on-disk format: plain data in msgpack, never pickles.

The state folder sits in OUTDIR, which others may be able to write to (a
shared folder on a cluster). A pickle there is code that runs on the next
resume; msgpack is data only: strings, numbers, booleans, lists, maps, and
here one extension, a numpy array (dtype, shape and raw little-endian bytes,
read with `np.frombuffer`: no object arrays, nothing executed). msgpack is
as fast as pickle for this data and already installed with dask.

Each value is one frame, its length then its msgpack bytes. Reading
validates as it goes: a value of the wrong shape, an unknown extension or a
truncated frame raise `StateError`, which
the run takes as "this state is not ours: start afresh, and say so". The
`Schema` helpers check the structure of each record read back, so nothing
from the state reaches the rest of the program unchecked.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable, Iterator
from typing import Any

import msgpack
import numpy as np

#: msgpack extension code of a numpy array.
ARRAY_EXT = 1
#: The array types the state holds (shingle hashes, MinHash values, band keys).
ARRAY_DTYPES = {"<u4": np.uint32, "<u8": np.uint64, "<i8": np.int64, "<i4": np.int32}
#: Bytes read per step when the state is read back.
READ_CHUNK = 1 << 20
#: Deepest nesting of a JSON value passed through from an input record: what
#: `json.loads` reaches at Python's default recursion limit, with room to spare.
MAX_JSON_DEPTH = 500
#: Largest frame accepted: larger than any page the size limit lets in, times
#: the copies a record holds (text, record JSON, blocks), with a wide margin;
#: a forged length cannot make a reader allocate more than this.
MAX_FRAME_BYTES = 1 << 31

_ARRAY_HEADER = struct.Struct("<3sB")  # dtype code, number of dimensions
_DIMENSION = struct.Struct("<Q")
_LENGTH = struct.Struct("<Q")  # a frame's length


class StateError(ValueError):
    """A state file that does not parse as the state this version writes."""


def _default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        code = value.dtype.newbyteorder("<").str
        if code not in ARRAY_DTYPES:
            raise TypeError(f"arrays of {value.dtype} are not kept in the run state")
        data = np.ascontiguousarray(value, dtype=code)
        header = _ARRAY_HEADER.pack(code.encode("ascii"), data.ndim)
        shape = b"".join(_DIMENSION.pack(n) for n in data.shape)
        return msgpack.ExtType(ARRAY_EXT, header + shape + data.tobytes())
    if isinstance(value, np.integer):
        return int(value)
    raise TypeError(f"{type(value).__name__} is not kept in the run state")


def _ext_hook(code: int, data: bytes) -> np.ndarray:
    if code != ARRAY_EXT or len(data) < _ARRAY_HEADER.size:
        raise StateError(f"unknown value (extension {code}) in the run state")
    dtype, ndim = _ARRAY_HEADER.unpack_from(data)
    kind = ARRAY_DTYPES.get(dtype.decode("ascii", "replace"))
    start = _ARRAY_HEADER.size + ndim * _DIMENSION.size
    if kind is None or ndim > 2 or len(data) < start:
        raise StateError("an array of an unknown kind in the run state")
    shape = tuple(_DIMENSION.unpack_from(data, _ARRAY_HEADER.size + i * _DIMENSION.size)[0]
                  for i in range(ndim))
    size = math.prod(shape) * np.dtype(kind).itemsize
    if size != len(data) - start:
        raise StateError("an array whose size does not match its shape in the run state")
    return np.frombuffer(data, dtype=dtype.decode("ascii"), offset=start).reshape(shape)


def pack(value: Any) -> bytes:
    """One value as a frame: its length (8 bytes, little-endian), then msgpack.

    Strings keep lone surrogates (file names that are not UTF-8).
    """
    body = msgpack.packb(value, default=_default, unicode_errors="surrogatepass",
                         use_bin_type=True)
    return _LENGTH.pack(len(body)) + body


def _load(body: bytes) -> Any:
    try:
        return msgpack.unpackb(body, raw=False, strict_map_key=True,
                               unicode_errors="surrogatepass", ext_hook=_ext_hook,
                               use_list=True)
    except StateError:
        raise
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        raise StateError(f"the state file does not parse ({exc})") from exc


def unpack(data: bytes) -> Any:
    """The one value in `data` (a whole `pack` frame)."""
    frames = list(frames_of(lambda offset, size: data[offset:offset + size], len(data)))
    if len(frames) != 1:
        raise StateError(f"expected one value, found {len(frames)}")
    return frames[0]


def read_frames(fd: int, end: int) -> Iterator[Any]:
    """The values in the first `end` bytes of the file `fd` (read with pread, so a
    writer's position on the same file is left alone)."""
    return frames_of(lambda offset, size: os.pread(fd, size, offset), end)


def frames_of(read: Callable[[int, int], bytes], end: int) -> Iterator[Any]:
    """The values of the frames in the first `end` bytes that `read(offset, size)` gives."""
    buffer, start, offset = b"", 0, 0  # buffer holds the file's bytes from `start`
    while offset < end:
        need = offset + _LENGTH.size
        if need > end:
            raise StateError("the state file ends inside a record")
        if need > start + len(buffer):
            buffer, start = _refill(read, buffer, start, offset, need, end)
        (size,) = _LENGTH.unpack_from(buffer, offset - start)
        stop = need + size
        if size > MAX_FRAME_BYTES or stop > end:
            raise StateError("the state file ends inside a record")
        if stop > start + len(buffer):
            buffer, start = _refill(read, buffer, start, need, stop, end)
        yield _load(buffer[need - start : stop - start])
        offset = stop


def _refill(read: Callable[[int, int], bytes], buffer: bytes, start: int, keep_from: int,
            need: int, end: int) -> tuple[bytes, int]:
    """The buffer from `keep_from`, read on to at least `need` (a chunk at a time)."""
    kept = buffer[keep_from - start :] if keep_from < start + len(buffer) else b""
    until = min(end, max(need, keep_from + READ_CHUNK))
    more = read(keep_from + len(kept), until - keep_from - len(kept))
    if len(kept) + len(more) < need - keep_from:
        raise StateError("the state file is shorter than its checkpoint says")
    return kept + more, keep_from


# -- checking what was read -----------------------------------------------------

Schema = Callable[[Any], bool]


def optional(schema: Schema) -> Schema:
    return lambda value: value is None or schema(value)


def list_of(schema: Schema) -> Schema:
    return lambda value: isinstance(value, list) and all(schema(v) for v in value)


def record(*fields: Schema) -> Schema:
    """A list of exactly these fields, in order."""
    return lambda value: (isinstance(value, list) and len(value) == len(fields)
                          and all(check(v) for check, v in zip(fields, value, strict=True)))


def is_str(value: Any) -> bool:
    return isinstance(value, str)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def array_of(dtype: type, ndim: int) -> Schema:
    return lambda value: (isinstance(value, np.ndarray) and value.dtype == dtype
                          and value.ndim == ndim)


def is_json(value: Any, depth: int = 0) -> bool:
    """A value `json.dumps(allow_nan=False)` writes: what a JSONL record passes through."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if depth >= MAX_JSON_DEPTH:
        return False
    if isinstance(value, list):
        return all(is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json(v, depth + 1) for k, v in value.items())
    return False


def expect(value: Any, schema: Schema, what: str) -> Any:
    """`value` if it fits `schema`, else StateError naming `what`."""
    if not schema(value):
        raise StateError(f"the run state holds a malformed {what}")
    return value


__all__ = ["StateError", "array_of", "expect", "is_bool", "is_int", "is_json", "is_number",
           "is_str", "list_of", "optional", "pack", "read_frames", "record", "unpack"]
