//! The package reader as a table: each case is a package and what
//! `read_package` must say about it.

use cordon_plugin::{
    MAX_ENTRIES, MAX_PACKAGE_BYTES, MAX_UNPACKED_BYTES, Manifest, PackageError, install, pack,
    read_package, sha256_hex,
};

use crate::util::{E, SCRIPT, gzip, manifest_text, tar_of, tgz, valid_entries};

fn with_manifest(text: &str) -> Vec<u8> {
    tgz(&[
        E::File("cordon-plugin.toml", text.as_bytes().to_vec(), 0o644),
        E::File("run.sh", SCRIPT.to_vec(), 0o755),
    ])
}

fn plus(extra: E) -> Vec<u8> {
    let mut e = valid_entries();
    e.push(extra);
    tgz(&e)
}

fn replace_line(from: &str, to: &str) -> Vec<u8> {
    let text = manifest_text("demo");
    assert!(text.contains(from), "{from}");
    with_manifest(&text.replace(from, to))
}

/// `None`: the package is valid. `Some(s)`: refused with `s` in the message.
type Case = (&'static str, fn() -> Vec<u8>, Option<&'static str>);

const CASES: &[Case] = &[
    ("valid", || tgz(&valid_entries()), None),
    (
        "valid with ./ prefixes and a directory entry, as GNU tar writes",
        || {
            tgz(&[
                E::Dir("./"),
                E::File(
                    "./cordon-plugin.toml",
                    manifest_text("demo").into_bytes(),
                    0o644,
                ),
                E::Dir("./lib/"),
                E::File("./lib/x.py", b"x".to_vec(), 0o644),
                E::File("./run.sh", SCRIPT.to_vec(), 0o755),
            ])
        },
        None,
    ),
    (
        "bad name",
        || replace_line("name = \"demo\"", "name = \"no spaces\""),
        Some("`name` `no spaces` must be"),
    ),
    (
        "name starting with a dot",
        || replace_line("name = \"demo\"", "name = \".hidden\""),
        Some("`name`"),
    ),
    (
        "name too long",
        || replace_line("name = \"demo\"", &format!("name = \"{}\"", "a".repeat(65))),
        Some("`name`"),
    ),
    (
        "protocol 2",
        || replace_line("protocol = 1", "protocol = 2"),
        Some("`protocol` 2 is not supported"),
    ),
    (
        "timeout 0",
        || replace_line("timeout_ms = 5000", "timeout_ms = 0"),
        Some("`timeout_ms` 0 must be 1 to 300000"),
    ),
    (
        "timeout too long",
        || replace_line("timeout_ms = 5000", "timeout_ms = 300001"),
        Some("`timeout_ms` 300001"),
    ),
    (
        "no events",
        || replace_line("events = [\"*\"]", "events = []"),
        Some("`events` must list"),
    ),
    (
        "bad event",
        || replace_line("events = [\"*\"]", "events = [\"Copy To\"]"),
        Some("`events` entry `Copy To`"),
    ),
    (
        "runs_on unknown",
        || replace_line("runs_on = \"server\"", "runs_on = \"cloud\""),
        Some("line 4, column 11: unknown variant `cloud`"),
    ),
    (
        "executable escaping",
        || replace_line("executable = \"run.sh\"", "executable = \"../run.sh\""),
        Some("`executable` `../run.sh` must be a relative path"),
    ),
    (
        "executable absolute",
        || replace_line("executable = \"run.sh\"", "executable = \"/bin/sh\""),
        Some("`executable` `/bin/sh`"),
    ),
    (
        "missing executable",
        || replace_line("executable = \"run.sh\"", "executable = \"main.py\""),
        Some("`executable` `main.py` is not a regular file in the package"),
    ),
    (
        "executable is a directory",
        || {
            let mut e = valid_entries();
            e.push(E::Dir("bin"));
            e[0] = E::File(
                "cordon-plugin.toml",
                manifest_text("demo").replace("run.sh", "bin").into_bytes(),
                0o644,
            );
            tgz(&e)
        },
        Some("`executable` `bin` is not a regular file"),
    ),
    (
        "manifest TOML error says line and column",
        || with_manifest("name = \"demo\"\nversion = \"1\"\nprotocol = = 1\n"),
        Some("`cordon-plugin.toml` line 3, column 12:"),
    ),
    (
        "manifest unknown field",
        || with_manifest(&(manifest_text("demo") + "colour = \"red\"\n")),
        Some("line 8, column 1: unknown field `colour`"),
    ),
    (
        "manifest missing field",
        || with_manifest("name = \"demo\"\n"),
        Some("missing field `version`"),
    ),
    (
        "unknown param type",
        || with_manifest(&(manifest_text("demo") + "[params.x]\ntype = \"list\"\n")),
        Some("line 9, column 8: unknown variant `list`"),
    ),
    (
        "bad param name",
        || with_manifest(&(manifest_text("demo") + "[params.\"a-b\"]\ntype = \"string\"\n")),
        Some("parameter `a-b` must be"),
    ),
    (
        "manifest not UTF-8",
        || {
            tgz(&[
                E::File(
                    "cordon-plugin.toml",
                    b"name = \"d\xffmo\"\n".to_vec(),
                    0o644,
                ),
                E::File("run.sh", SCRIPT.to_vec(), 0o755),
            ])
        },
        Some("`cordon-plugin.toml` is not UTF-8"),
    ),
    (
        "no manifest",
        || tgz(&[E::File("run.sh", SCRIPT.to_vec(), 0o755)]),
        Some("no `cordon-plugin.toml` at its top"),
    ),
    (
        "manifest too large",
        || {
            let big = manifest_text("demo") + &"#".repeat(70_000);
            with_manifest(&big)
        },
        Some("`cordon-plugin.toml` is larger than 65536 bytes"),
    ),
    (
        "manifest in a subdirectory only",
        || {
            tgz(&[
                E::File(
                    "x/cordon-plugin.toml",
                    manifest_text("demo").into_bytes(),
                    0o644,
                ),
                E::File("run.sh", SCRIPT.to_vec(), 0o755),
            ])
        },
        Some("no `cordon-plugin.toml`"),
    ),
    (
        "`..` entry",
        || plus(E::File("../evil", b"x".to_vec(), 0o644)),
        Some("entry `../evil`: `..` is not allowed"),
    ),
    (
        "`..` inside a path",
        || plus(E::File("lib/../../evil", b"x".to_vec(), 0o644)),
        Some("`..` is not allowed"),
    ),
    (
        "absolute path",
        || plus(E::File("/etc/cron.d/evil", b"x".to_vec(), 0o644)),
        Some("entry `/etc/cron.d/evil`: absolute paths are not allowed"),
    ),
    (
        "backslash path",
        || plus(E::File("a\\b", b"x".to_vec(), 0o644)),
        Some("not a plain relative path"),
    ),
    (
        "symlink",
        || plus(E::Symlink("link", "/etc/passwd")),
        Some("entry `link` is a symbolic link"),
    ),
    (
        "symlink as the executable",
        || {
            tgz(&[
                E::File(
                    "cordon-plugin.toml",
                    manifest_text("demo").into_bytes(),
                    0o644,
                ),
                E::Symlink("run.sh", "/bin/sh"),
            ])
        },
        Some("entry `run.sh` is a symbolic link"),
    ),
    (
        "hardlink",
        || plus(E::Hardlink("copy", "run.sh")),
        Some("entry `copy` is a hard link"),
    ),
    (
        "character device",
        || plus(E::Char("null")),
        Some("entry `null` is a character device"),
    ),
    (
        "block device",
        || plus(E::Block("sda")),
        Some("entry `sda` is a block device"),
    ),
    (
        "fifo",
        || plus(E::Fifo("pipe")),
        Some("entry `pipe` is a FIFO"),
    ),
    (
        "duplicate file",
        || plus(E::File("run.sh", b"other".to_vec(), 0o755)),
        Some("entry `run.sh` appears twice"),
    ),
    (
        "file under a file",
        || plus(E::File("run.sh/x", b"x".to_vec(), 0o644)),
        Some("entry `run.sh/x` appears twice or clashes"),
    ),
    (
        "directory over a file",
        || plus(E::Dir("run.sh")),
        Some("clashes with a directory"),
    ),
    (
        "too big",
        || {
            let mut b = gzip(b"x");
            b.resize(MAX_PACKAGE_BYTES + 1, 0);
            b
        },
        Some("package is 16777217 bytes, more than the limit of 16777216"),
    ),
    (
        "too many entries",
        || {
            let mut e = valid_entries();
            for i in 0..MAX_ENTRIES {
                e.push(E::File(
                    Box::leak(format!("f{i}").into_boxed_str()),
                    Vec::new(),
                    0o644,
                ));
            }
            tgz(&e)
        },
        Some("package has more than 512 entries"),
    ),
    (
        "gzip bomb stops at the unpacked size limit",
        || {
            let mut e = valid_entries();
            e.push(E::File(
                "zeros",
                vec![0; MAX_UNPACKED_BYTES as usize + 1],
                0o644,
            ));
            tgz(&e)
        },
        Some("package unpacks to more than 67108864 bytes"),
    ),
    (
        "not gzip",
        || tar_of(&valid_entries()),
        Some("package is not gzip-compressed"),
    ),
    ("empty", Vec::new, Some("not gzip-compressed")),
    (
        "truncated",
        || {
            let b = tgz(&valid_entries());
            b[..b.len() / 2].to_vec()
        },
        Some("package is damaged"),
    ),
    (
        "gzip of nothing",
        || gzip(b""),
        Some("no `cordon-plugin.toml`"),
    ),
];

#[test]
fn cases() {
    let mut failures = Vec::new();
    for (name, make, want) in CASES {
        let got = read_package(&make());
        match (want, &got) {
            (None, Ok(p)) => assert_eq!(p.manifest.name, "demo", "{name}"),
            (Some(w), Err(e)) if e.to_string().contains(w) => {}
            _ => failures.push(format!("{name}: want {want:?}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn package_identity_and_files() {
    let bytes = tgz(&valid_entries());
    let p = read_package(&bytes).unwrap();
    assert_eq!(p.sha256, sha256_hex(&bytes));
    assert_eq!(p.sha256.len(), 64);
    assert_eq!(p.size, bytes.len() as u64);
    let files: Vec<_> = p
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.executable))
        .collect();
    assert_eq!(files, [("cordon-plugin.toml", false), ("run.sh", true)]);
}

#[test]
fn pack_round_trips_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("src");
    crate::util::plugin_dir(&dir, "demo", "#!/bin/sh\nexit 0\n", "");
    std::fs::create_dir_all(dir.join("lib/deep")).unwrap();
    std::fs::write(dir.join("lib/deep/data.txt"), "data").unwrap();
    std::fs::write(dir.join("a-long-name-".repeat(12)), "long").unwrap();
    let one = pack(&dir).unwrap();
    // Same content, other times and order of creation: same bytes.
    let dir2 = tmp.path().join("src2");
    std::fs::create_dir_all(dir2.join("lib/deep")).unwrap();
    std::fs::write(dir2.join("a-long-name-".repeat(12)), "long").unwrap();
    std::fs::write(dir2.join("lib/deep/data.txt"), "data").unwrap();
    crate::util::plugin_dir(&dir2, "demo", "#!/bin/sh\nexit 0\n", "");
    assert_eq!(one, pack(&dir2).unwrap());

    let p = read_package(&one).unwrap();
    let paths: Vec<_> = p
        .files
        .iter()
        .map(|f| (f.path.clone(), f.executable))
        .collect();
    assert_eq!(
        paths,
        [
            ("a-long-name-".repeat(12), false),
            ("cordon-plugin.toml".to_owned(), false),
            ("lib/deep/data.txt".to_owned(), false),
            ("run.sh".to_owned(), true),
        ]
    );
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(one.as_slice()));
    for entry in archive.entries().unwrap() {
        let h = entry.unwrap().header().clone();
        assert_eq!(
            (h.uid().unwrap(), h.gid().unwrap(), h.mtime().unwrap()),
            (0, 0, 0)
        );
    }
}

#[test]
fn pack_refuses_links_and_missing_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("src");
    crate::util::plugin_dir(&dir, "demo", "#!/bin/sh\n", "");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("link")).unwrap();
    let e = pack(&dir).unwrap_err().to_string();
    assert!(
        e.contains("link` cannot be packed: it is a symbolic link"),
        "{e}"
    );

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("run.sh"), "").unwrap();
    let e = pack(&empty).unwrap_err().to_string();
    assert_eq!(e, "package has no `cordon-plugin.toml` at its top");
}

#[test]
fn install_is_atomic_idempotent_and_checked() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("plugins");
    let bytes = tgz(&[
        E::File(
            "cordon-plugin.toml",
            manifest_text("demo").into_bytes(),
            0o600,
        ),
        E::File("run.sh", SCRIPT.to_vec(), 0o600), // the executable: 0755 whatever the tar says
        E::File("lib/tool", b"x".to_vec(), 0o700),
        E::File("lib/data", b"y".to_vec(), 0o666),
    ]);
    let p = read_package(&bytes).unwrap();
    let inst = install(&p, &bytes, &root).unwrap();
    assert_eq!(inst.dir, root.join("demo").join(&p.sha256));
    assert_eq!(inst.manifest, p.manifest);
    let mode = |rel: &str| {
        std::fs::metadata(inst.dir.join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("run.sh"), 0o755);
    assert_eq!(mode("lib/tool"), 0o755);
    assert_eq!(mode("lib/data"), 0o644);
    assert_eq!(mode("cordon-plugin.toml"), 0o644);
    assert_eq!(mode("lib"), 0o755);
    assert_eq!(mode(""), 0o755);
    assert_eq!(std::fs::read(inst.dir.join("run.sh")).unwrap(), SCRIPT);
    // No temporary directory is left beside it.
    let names: Vec<_> = std::fs::read_dir(root.join("demo"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from(&p.sha256)]);

    // Again: the same directory, nothing rewritten.
    let again = install(&p, &bytes, &root).unwrap();
    assert_eq!(again, inst);
    assert_eq!(
        cordon_plugin::Installed::open(&root, "demo", &p.sha256).unwrap(),
        inst
    );

    // Other bytes under this package's identity are refused.
    let other = tgz(&valid_entries());
    let e = install(&p, &other, &root).unwrap_err();
    assert!(matches!(e, PackageError::DigestMismatch { .. }), "{e}");
}

#[test]
fn open_refuses_what_is_not_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let sha = "0".repeat(64);
    for (name, sha) in [
        ("demo", sha.as_str()),
        ("..", sha.as_str()),
        ("demo", "../../etc"),
        ("Demo", sha.as_str()),
    ] {
        let e = cordon_plugin::Installed::open(tmp.path(), name, sha).unwrap_err();
        assert!(
            matches!(e, PackageError::NotInstalled { .. }),
            "{name} {sha}: {e}"
        );
    }
}

#[test]
fn handles_and_check_params() {
    let m = Manifest::from_toml(
        &(manifest_text("demo").replace("[\"*\"]", "[\"share\", \"copy_to_device\"]")
            + "[params.url]\ntype = \"string\"\nrequired = true\n[params.retries]\ntype = \"number\"\n[params.dry]\ntype = \"boolean\"\ndescription = \"only say\"\n"),
    )
    .unwrap();
    assert!(m.handles("share") && m.handles("copy_to_device"));
    assert!(!m.handles("email") && !m.handles("Share"));
    use serde_json::json;
    let cases = [
        (json!({"url": "http://x"}), None),
        (json!({"url": "http://x", "retries": 3, "dry": true}), None),
        (json!({}), Some("plug-in `demo` needs parameter `url`")),
        (
            serde_json::Value::Null,
            Some("plug-in `demo` needs parameter `url`"),
        ),
        (
            json!({"url": 1}),
            Some("parameter `url` of plug-in `demo` must be a string, not number"),
        ),
        (
            json!({"url": "x", "dry": "yes"}),
            Some("parameter `dry` of plug-in `demo` must be a boolean, not string"),
        ),
        (
            json!({"url": "x", "colour": 1}),
            Some("plug-in `demo` has no parameter `colour`"),
        ),
        (
            json!(["url"]),
            Some("parameters of plug-in `demo` must be a JSON object, not array"),
        ),
    ];
    for (params, want) in cases {
        let got = m.check_params(&params);
        match want {
            None => assert!(got.is_ok(), "{params}: {got:?}"),
            Some(w) => assert_eq!(got.unwrap_err().to_string(), w, "{params}"),
        }
    }
    let star = Manifest::from_toml(&manifest_text("demo")).unwrap();
    assert!(star.handles("email") && star.handles("anything"));
    assert!(star.check_params(&json!({})).is_ok());
}
