"""Atomic writes: a reader (or a crash mid-write) never sees half a file,
because the content goes to a temporary file in the same directory and
os.replace() swaps it in."""
import os
import tempfile


def _temp_beside(path):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    return fd, tmp


def write_text(path, text):
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def save_figure(fig, path, fmt, **savefig_args):
    """fig.savefig() to `path` atomically; fmt is given because the temp name has no extension."""
    fd, tmp = _temp_beside(path)
    os.close(fd)
    try:
        fig.savefig(tmp, format=fmt, **savefig_args)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp):
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
