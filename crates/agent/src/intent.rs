//! Whether a blocked `open` means to write: read from the opener's
//! system call while it waits for the agent's answer.
//!
//! A fanotify `FAN_OPEN_PERM` event carries no open flags, and the file
//! descriptor it brings is the listener's own (opened read-only), so the
//! event alone cannot tell a reader from a writer. The opener, though, is
//! blocked inside its system call until the agent answers, and
//! `/proc/<tid>/syscall` shows that call's number and arguments: the
//! flags of `open`, `openat` and `open_by_handle_at` are an argument,
//! those of `openat2` sit in the `struct open_how` the third argument
//! points to (read from `/proc/<tid>/mem`). Anything else — a call this
//! module does not know, a 32-bit process, an io_uring worker, a task
//! that is gone — is [`Intent::Unknown`], which the guard treats as a
//! write: never fail open.

/// What an opener means to do with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Read,
    Write,
    /// Not an open call this module can read (with what it saw).
    Unknown(String),
}

impl Intent {
    /// A read in the guard's eyes: only a known read-only open.
    pub fn is_read(&self) -> bool {
        matches!(self, Intent::Read)
    }
}

const O_ACCMODE: u64 = 0o3;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;

/// The system calls that open a file, by architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
    /// Another architecture: every open is [`Intent::Unknown`].
    Other,
}

impl Arch {
    pub fn native() -> Arch {
        if cfg!(target_arch = "x86_64") {
            Arch::X86_64
        } else if cfg!(target_arch = "aarch64") {
            Arch::Aarch64
        } else {
            Arch::Other
        }
    }
}

/// How a system call gives its open flags.
enum Flags {
    /// In argument `n` (0-based).
    Arg(usize),
    /// In the `struct open_how` argument `n` points to.
    OpenHow(usize),
    /// Always creates or truncates (`creat`).
    Write,
    /// Opens for execution (`execve`, `execveat`).
    Exec,
}

fn flags_of(arch: Arch, nr: u64) -> Option<Flags> {
    match (arch, nr) {
        (Arch::X86_64, 2) => Some(Flags::Arg(1)),      // open
        (Arch::X86_64, 257) => Some(Flags::Arg(2)),    // openat
        (Arch::X86_64, 304) => Some(Flags::Arg(2)),    // open_by_handle_at
        (Arch::X86_64, 85) => Some(Flags::Write),      // creat
        (Arch::X86_64, 59 | 322) => Some(Flags::Exec), // execve, execveat
        (Arch::Aarch64, 56) => Some(Flags::Arg(2)),    // openat
        (Arch::Aarch64, 265) => Some(Flags::Arg(2)),   // open_by_handle_at
        (Arch::Aarch64, 221 | 281) => Some(Flags::Exec),
        (Arch::X86_64 | Arch::Aarch64, 437) => Some(Flags::OpenHow(2)), // openat2
        _ => None,
    }
}

/// Reads the intent from a `/proc/<tid>/syscall` line (`nr a0 … a5 sp
/// pc`, hexadecimal arguments); `read_u64(addr)` reads the opener's
/// memory for `openat2`.
pub fn from_syscall(line: &str, arch: Arch, read_u64: impl FnOnce(u64) -> Option<u64>) -> Intent {
    let mut fields = line.split_whitespace();
    let Some(nr) = fields.next().and_then(|f| f.parse::<u64>().ok()) else {
        return Intent::Unknown(format!("not in a system call ({})", line.trim()));
    };
    let args: Vec<u64> = fields
        .take(6)
        .map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).unwrap_or(u64::MAX))
        .collect();
    let flags = match flags_of(arch, nr) {
        None => return Intent::Unknown(format!("system call {nr} is not an open")),
        Some(Flags::Write) => return Intent::Write,
        Some(Flags::Exec) => return Intent::Read,
        Some(Flags::Arg(i)) => args.get(i).copied(),
        Some(Flags::OpenHow(i)) => args.get(i).copied().and_then(read_u64),
    };
    match flags {
        Some(f) if f == u64::MAX => Intent::Unknown(format!("unreadable flags in `{line}`")),
        Some(f) => {
            if f & O_ACCMODE != 0 || f & (O_CREAT | O_TRUNC) != 0 {
                Intent::Write
            } else {
                Intent::Read
            }
        }
        None => Intent::Unknown(format!("the open flags of system call {nr} are unreadable")),
    }
}

/// The intent of thread `tid`, blocked in an open.
pub fn of_thread(tid: i32) -> Intent {
    let line = match std::fs::read_to_string(format!("/proc/{tid}/syscall")) {
        Ok(l) => l,
        Err(e) => return Intent::Unknown(format!("/proc/{tid}/syscall: {e}")),
    };
    from_syscall(&line, Arch::native(), |addr| {
        use std::os::unix::fs::FileExt as _;
        let mem = std::fs::File::open(format!("/proc/{tid}/mem")).ok()?;
        let mut b = [0u8; 8];
        mem.read_exact_at(&mut b, addr).ok()?;
        Some(u64::from_ne_bytes(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x86(line: &str) -> Intent {
        from_syscall(line, Arch::X86_64, |_| None)
    }

    #[test]
    fn open_calls_read_as_their_flags_say() {
        let cases: &[(&str, Intent)] = &[
            // openat(AT_FDCWD, path, O_RDONLY|O_CLOEXEC)
            (
                "257 0xffffff9c 0x7ffd1 0x80000 0x0 0x0 0x0 0x7ffd 0x7f",
                Intent::Read,
            ),
            // openat(…, O_WRONLY|O_CREAT|O_TRUNC)
            (
                "257 0xffffff9c 0x7ffd1 0x241 0x1b6 0x0 0x0 0x7ffd 0x7f",
                Intent::Write,
            ),
            // openat(…, O_RDWR)
            (
                "257 0xffffff9c 0x7ffd1 0x2 0x0 0x0 0x0 0x7ffd 0x7f",
                Intent::Write,
            ),
            // openat(…, O_RDONLY|O_TRUNC) truncates
            (
                "257 0xffffff9c 0x7ffd1 0x200 0x0 0x0 0x0 0x7ffd 0x7f",
                Intent::Write,
            ),
            // openat(…, O_RDONLY|O_DIRECTORY): a directory listing
            (
                "257 0xffffff9c 0x7ffd1 0x90800 0x0 0x0 0x0 0x7ffd 0x7f",
                Intent::Read,
            ),
            // open(path, O_WRONLY|O_APPEND)
            ("2 0x7ffd1 0x401 0x0 0x0 0x0 0x0 0x7ffd 0x7f", Intent::Write),
            ("2 0x7ffd1 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f", Intent::Read),
            // creat(path, mode)
            (
                "85 0x7ffd1 0x1a4 0x0 0x0 0x0 0x0 0x7ffd 0x7f",
                Intent::Write,
            ),
            // execve
            (
                "59 0x7ffd1 0x7ffd2 0x7ffd3 0x0 0x0 0x0 0x7ffd 0x7f",
                Intent::Read,
            ),
            // open_by_handle_at(mfd, handle, O_WRONLY)
            ("304 0x3 0x7ffd1 0x1 0x0 0x0 0x0 0x7ffd 0x7f", Intent::Write),
        ];
        for (line, want) in cases {
            assert_eq!(&x86(line), want, "{line}");
        }
    }

    #[test]
    fn what_is_not_a_known_open_is_unknown_and_so_never_a_read() {
        for line in [
            "running",
            "-1 0x7ffd 0x7f",
            "0 0x3 0x7ffd1 0x10 0x0 0x0 0x0 0x7ffd 0x7f", // read(2)
            "",
            "257 0xffffff9c", // flags missing
            "257 0xffffff9c 0x1 zz 0 0 0 0 0",
        ] {
            let got = x86(line);
            assert!(matches!(got, Intent::Unknown(_)), "{line:?} gave {got:?}");
            assert!(!got.is_read());
        }
        assert!(matches!(
            from_syscall("257 0 0 0 0 0 0 0 0", Arch::Other, |_| None),
            Intent::Unknown(_)
        ));
    }

    #[test]
    fn openat2_flags_come_from_the_openers_memory() {
        let line = "437 0xffffff9c 0x7ffd1 0x7ffe00 0x18 0x0 0x0 0x7ffd 0x7f";
        let mut asked = None;
        let got = from_syscall(line, Arch::X86_64, |a| {
            asked = Some(a);
            Some(0o1)
        });
        assert_eq!(got, Intent::Write);
        assert_eq!(asked, Some(0x7ffe00));
        assert_eq!(from_syscall(line, Arch::X86_64, |_| Some(0)), Intent::Read);
        assert!(matches!(
            from_syscall(line, Arch::X86_64, |_| None),
            Intent::Unknown(_)
        ));
        // aarch64 numbers
        assert_eq!(
            from_syscall("56 0xffffff9c 0x1 0x241 0 0 0 0 0", Arch::Aarch64, |_| None),
            Intent::Write
        );
    }

    #[test]
    fn this_threads_own_syscall_line_is_readable() {
        // Reading our own /proc/<tid>/syscall shows the read(2) in
        // progress: not an open, so Unknown — the point is that the file
        // exists and parses on this kernel.
        let tid = rustix::thread::gettid().as_raw_nonzero().get();
        assert!(matches!(of_thread(tid), Intent::Unknown(_)));
    }
}
