"""The output folder: every write and every delete below OUTDIR goes through here.

OUTDIR may be shared (the README's Dask layout), so whoever can write to it
can plant a symbolic link where cleaner writes or deletes
(`OUTDIR/.cleaner-run -> /home/you`), and a plain `open`, `mkdir` or
`shutil.rmtree` would follow it out. Here the folder is opened once and every
path below it is reached one part at a time from that descriptor with
`O_NOFOLLOW` (the `dir_fd` forms of the os calls), so no link below OUTDIR is
ever followed, whenever it was planted:

- OUTDIR's own entries (`MANAGED`) may not be links: `check` refuses such a
  folder with a clear error (a link there is a trap or a mistake);
- below them (text/), a link where a folder must go, or where a file is
  written, is replaced: the link is removed, never what it points to;
- removing a tree never descends through a link (`shutil.rmtree(dir_fd=)`).

The folder named as OUTDIR may itself be a link: the user chose it.
Every file is written whole or not at all: a temporary name in the same
folder, then a rename (`write`).
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

STATE_DIR = ".cleaner-run"
TEXT_DIR = "text"
DOCUMENTS_FILE = "documents.jsonl"
ERRORS_FILE = "errors.jsonl"
REPORT_FILE = "report.html"
#: The report's data files, beside report.html (`cleaner.report`).
REPORT_DATA_DIR = "report-data"
LOCK_FILE = ".cleaner-lock"
#: OUTDIR's entries that cleaner writes or deletes; none of them may be a link.
MANAGED = (STATE_DIR, TEXT_DIR, DOCUMENTS_FILE, ERRORS_FILE, REPORT_FILE, REPORT_DATA_DIR,
           LOCK_FILE)

#: Mode for new output files: what a default umask (022) gives, so results are
#: readable by the other users of a shared machine (mkstemp's 0600 is not).
FILE_MODE = 0o644
#: Mode for new folders (the umask still applies).
DIR_MODE = 0o777
#: Attempts at a fresh temporary name before giving up (8 random hex digits:
#: a clash is a one-in-four-billion event, so two attempts practically never run).
TEMP_ATTEMPTS = 16

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

#: errno values that mean the device, not one file, is at fault: the run cannot
#: go on writing (the others concern one name and make one error record).
DEVICE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


class UnsafeOutputError(OSError):
    """OUTDIR holds a link where cleaner would write or delete."""


class OutputInUseError(OSError):
    """Another cleaner run holds OUTDIR's lock."""


def is_device_error(exc: OSError) -> bool:
    """Whether an error writing one file means no later write can succeed either."""
    return exc.errno in DEVICE_ERRNOS


def temp_name(name: str) -> str:
    """A fresh hidden temporary name beside `name` (`.NAME.XXXXXXXX.tmp`)."""
    return f".{name}.{secrets.token_hex(4)}.tmp"


def is_temp_name(name: str) -> bool:
    """Whether a file name is one `temp_name` gives (left behind by a killed run)."""
    return name.startswith(".") and name.endswith(".tmp")


class OutDir:
    """OUTDIR, opened once; paths below it are "/"-separated relative strings.

    Args:
        path: the folder (created with its parents if missing).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._lock_fd = -1

    def close(self) -> None:
        self.unlock()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> OutDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self) -> None:
        """Refuse an OUTDIR whose own entries are links (see the module docstring).

        Raises:
            UnsafeOutputError: naming the link and where it points.
        """
        for name in MANAGED:
            try:
                info = os.lstat(name, dir_fd=self.fd)
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(name, dir_fd=self.fd)
                raise UnsafeOutputError(
                    f"{self.path / name} is a symbolic link (to {target}); cleaner never "
                    "writes or deletes through a link in its output folder: remove the "
                    "link, or choose another output folder")

    def lock(self) -> None:
        """Take OUTDIR for this process, or raise OutputInUseError naming the holder.

        A POSIX record lock (`lockf`) on `LOCK_FILE`: the system releases it
        when the holder exits, however it dies, so a stale lock file (a run
        that was killed) is simply taken over; and unlike `flock`, forked
        workers do not inherit it, so a worker outliving its run holds nothing.
        The holder's pid is written in the file for the message.
        """
        fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     FILE_MODE, dir_fd=self.fd)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise OutputInUseError(
                errno.EBUSY, f"{self.path} is in use by pid {holder} (another cleaner run "
                "writing to it); wait for it to finish, or choose another output folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd >= 0:
            os.ftruncate(self._lock_fd, 0)  # no pid left behind: a finished OUTDIR is the same
            os.close(self._lock_fd)  # releases the lock; the file stays (removing it would race)
            self._lock_fd = -1

    # -- reaching folders ---------------------------------------------------

    def open_dir(self, relpath: str, *, create: bool = False,
                 replace_links: bool = False) -> int:
        """A descriptor of the folder `relpath` ("" for OUTDIR itself); the caller closes it.

        `create` makes missing folders; `replace_links` removes a link found on
        the way and makes a folder in its place (else ELOOP is raised).
        """
        fd = os.dup(self.fd)
        for part in _parts(relpath):
            try:
                step = step_into(fd, part, create, replace_links)
            finally:
                os.close(fd)
            fd = step
        return fd

    @contextmanager
    def folder(self, relpath: str, *, create: bool = False,
               replace_links: bool = False) -> Iterator[int]:
        fd = self.open_dir(relpath, create=create, replace_links=replace_links)
        try:
            yield fd
        finally:
            os.close(fd)

    # -- files -------------------------------------------------------------

    def write(self, relpath: str, data: bytes, *, durable: bool = True,
              replace_links: bool = False) -> None:
        """Replace the file `relpath` with `data`, whole or not at all.

        `durable` forces the bytes to disk before the rename (fsync), so a
        power cut cannot leave the new name on an empty file. A link at the
        file's own name is replaced by the file (a rename never follows one).
        """
        folder, _, name = relpath.rpartition("/")
        with self.folder(folder, create=True, replace_links=replace_links) as dir_fd:
            write_in(dir_fd, name, data, durable=durable)

    def read(self, relpath: str) -> bytes | None:
        """The bytes of the file `relpath`, or None when it is missing or not a plain file."""
        folder, _, name = relpath.rpartition("/")
        try:
            with self.folder(folder) as dir_fd:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return handle.read()

    def open_rw(self, relpath: str) -> int:
        """A read-write descriptor of the plain file `relpath`, created if missing."""
        folder, _, name = relpath.rpartition("/")
        with self.folder(folder, create=True) as dir_fd:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE,
                         dir_fd=dir_fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UnsafeOutputError(f"{self.path / relpath} is not a plain file")
        return fd

    # -- deleting ----------------------------------------------------------

    def remove(self, relpath: str) -> None:
        """Delete `relpath` (a file, a link or a whole folder); missing is fine.

        A link is removed itself; a folder's tree is removed without following
        any link inside it.
        """
        folder, _, name = relpath.rpartition("/")
        try:
            with self.folder(folder) as dir_fd:
                remove_in(dir_fd, name)
        except FileNotFoundError:
            pass

    def clear(self, relpath: str, keep: Callable[[str], bool]) -> None:
        """Delete every entry of the folder `relpath` for which `keep(name)` is false."""
        try:
            with self.folder(relpath) as dir_fd:
                for name in os.listdir(dir_fd):
                    if not keep(name):
                        remove_in(dir_fd, name)
        except FileNotFoundError:
            pass

    def remove_temp_files(self) -> None:
        """Remove the temporary files a killed run left (`temp_name`): OUTDIR's own,
        its state folder's, and those anywhere under text/ (never through a link)."""
        for folder in ("", STATE_DIR):
            self.clear(folder, lambda name: not is_temp_name(name))
        try:
            text_fd = self.open_dir(TEXT_DIR)
        except OSError:
            return
        try:
            for _, _, files, dir_fd in os.fwalk(".", dir_fd=text_fd, follow_symlinks=False):
                for name in files:
                    if is_temp_name(name):
                        _unlink_quietly(name, dir_fd)
        finally:
            os.close(text_fd)


def write_in(dir_fd: int, name: str, data: bytes, *, durable: bool = True) -> None:
    """Write `name` in the folder `dir_fd` whole or not at all (temp file, rename)."""
    fd, tmp = create_temp(dir_fd, name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        _unlink_quietly(tmp, dir_fd)
        raise


def create_temp(dir_fd: int, name: str) -> tuple[int, str]:
    """A new temporary file beside `name` in `dir_fd`: (write descriptor, its name)."""
    for _ in range(TEMP_ATTEMPTS):
        tmp = temp_name(name)
        try:
            fd = os.open(tmp, _NEW_FILE_FLAGS, FILE_MODE, dir_fd=dir_fd)
        except FileExistsError:
            continue
        os.fchmod(fd, FILE_MODE)  # the umask is not ours to apply to shared results
        return fd, tmp
    raise FileExistsError(errno.EEXIST, f"no free temporary name for {name}")


def publish(dir_fd: int, tmp: str, name: str) -> None:
    """Move a finished temporary file onto its final name (atomic)."""
    os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def remove_in(dir_fd: int, name: str) -> None:
    """Delete `name` in the folder `dir_fd`: a tree without following links, else unlink."""
    try:
        info = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)
    else:
        _unlink_quietly(name, dir_fd)


def _unlink_quietly(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def _parts(relpath: str) -> list[str]:
    parts = [part for part in relpath.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise ValueError(f"not a path below the output folder: {relpath!r}")
    return parts


def step_into(fd: int, part: str, create: bool, replace_links: bool) -> int:
    """From the folder `fd` to its subfolder `part` (a new descriptor)."""
    try:
        return os.open(part, _DIR_FLAGS, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR) or not replace_links:
            raise
        if not stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
            raise  # a plain file where a folder must go: not ours to delete
        os.unlink(part, dir_fd=fd)  # the link itself, never what it points to
    try:
        os.mkdir(part, DIR_MODE, dir_fd=fd)
    except FileExistsError:
        pass  # made meanwhile by someone else: opened (never followed) below
    return os.open(part, _DIR_FLAGS, dir_fd=fd)


__all__ = ["DEVICE_ERRNOS", "DOCUMENTS_FILE", "ERRORS_FILE", "LOCK_FILE", "MANAGED",
           "REPORT_DATA_DIR", "REPORT_FILE", "STATE_DIR", "TEXT_DIR", "OutDir", "OutputInUseError",
           "UnsafeOutputError", "create_temp", "is_device_error", "is_temp_name", "publish",
           "remove_in", "step_into", "temp_name", "write_in"]
