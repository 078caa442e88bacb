#!/usr/bin/env python3
"""Cordon response plug-in `quarantine` (protocol 1, docs/plugins.md).

Moves the incident's file (`details.event.file.path`, or `file.path`) into
`quarantine_dir`, but only when it lies under `share_root`. The path is
walked from the share root one component at a time with O_NOFOLLOW, so
neither `..` nor a symbolic link anywhere on the way can lead outside it,
even if the share changes while we look. Next to the quarantined file a
`<name>.cordon.json` records the incident. Python 3 standard library only.
"""

import datetime
import errno
import json
import os
import stat
import sys

NOFOLLOW_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def answer(status, message, **details):
    json.dump({"status": status, "message": message, "details": details}, sys.stdout)
    sys.stdout.write("\n")
    return 0


def incident_file(incident):
    event = (incident.get("details") or {}).get("event") or {}
    for holder in (event, incident):
        f = holder.get("file") if isinstance(holder, dict) else None
        if isinstance(f, dict) and isinstance(f.get("path"), str) and f["path"]:
            return f["path"]
    return None


def relative_to(path, roots):
    """The components of `path` below one of `roots`, or None."""
    parts = path.split("/")
    if not path.startswith("/") or ".." in parts or "." in parts:
        return None
    parts = [p for p in parts if p]
    for root in roots:
        rparts = [p for p in root.split("/") if p]
        if parts[: len(rparts)] == rparts and len(parts) > len(rparts):
            return parts[len(rparts):]
    return None


def exists(dir_fd, name):
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        return True
    except FileNotFoundError:
        return False


def free_name(dir_fd, name):
    """`name`, or `name.2`, `name.3`, … : never overwrite an earlier one."""
    candidate, n = name, 1
    while exists(dir_fd, candidate) or exists(dir_fd, candidate + ".cordon.json"):
        n += 1
        candidate = "%s.%d" % (name, n)
    return candidate


def move(src_dir, name, dst_dir, dst_name):
    try:
        os.rename(name, dst_name, src_dir_fd=src_dir, dst_dir_fd=dst_dir)
        return
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
    # Another file system: copy, flush, then remove the original.
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_dir)
    try:
        dst = os.open(dst_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600, dir_fd=dst_dir)
        try:
            while True:
                chunk = os.read(src, 1 << 20)
                if not chunk:
                    break
                os.write(dst, chunk)
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)
    os.unlink(name, dir_fd=src_dir)


def main():
    request = json.load(sys.stdin)
    if request.get("protocol") != 1:
        print("quarantine: unsupported protocol %r" % request.get("protocol"), file=sys.stderr)
        return 2
    params = request.get("params") or {}
    incident = request.get("incident") or {}
    incident_id = incident.get("id")

    path = incident_file(incident)
    if path is None:
        return answer("skipped", "Incident has no file")

    share_root = params["share_root"]
    rel = relative_to(path, [os.path.normpath(share_root), os.path.realpath(share_root)])
    if rel is None:
        return answer("failed", "File is not under the share root; not moved", path=path)

    try:
        dir_fd = os.open(os.path.realpath(share_root), NOFOLLOW_DIR)
    except OSError as e:
        return answer("failed", "Share root cannot be opened: %s" % e.strerror)
    try:
        for part in rel[:-1]:
            try:
                next_fd = os.open(part, NOFOLLOW_DIR, dir_fd=dir_fd)
            except OSError:
                return answer("failed", "File is not under the share root (a link or missing directory on the way); not moved", path=path)
            os.close(dir_fd)
            dir_fd = next_fd
        name = rel[-1]
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return answer("failed", "File no longer exists", path=path)
        if not stat.S_ISREG(st.st_mode):
            return answer("failed", "File is not a regular file (links are never followed); not moved", path=path)

        qdir = os.path.realpath(params["quarantine_dir"])
        os.makedirs(qdir, mode=0o700, exist_ok=True)
        q_fd = os.open(qdir, NOFOLLOW_DIR)
        try:
            stem = "%s-%s" % (incident_id, name) if incident_id is not None else name
            target = free_name(q_fd, stem)
            move(dir_fd, name, q_fd, target)
            note = {
                "incident": incident_id,
                "rule": incident.get("rule_name"),
                "original_path": path,
                "quarantined_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            }
            fd = os.open(target + ".cordon.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600, dir_fd=q_fd)
            with os.fdopen(fd, "w") as f:
                json.dump(note, f, indent=2)
                f.write("\n")
        finally:
            os.close(q_fd)
    finally:
        os.close(dir_fd)
    return answer("ok", "File moved to quarantine", path=os.path.join(qdir, target))


if __name__ == "__main__":
    sys.exit(main())
