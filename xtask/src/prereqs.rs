//! Build prerequisites that cargo cannot install: the system packages that
//! `librocksdb-sys` (libclang, for bindgen) and `rdkafka-sys` (a C/C++
//! toolchain, make, pkg-config, zlib headers) need.
//!
//! As root on Debian/Ubuntu they are installed with apt-get; otherwise the
//! exact command to run is printed.

use std::path::Path;
use std::process::Command;

use crate::Result;

/// A system package and how to tell it is there.
struct Requirement {
    package: &'static str,
    why: &'static str,
    present: fn() -> bool,
}

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        package: "libclang-dev",
        why: "RocksDB's bindings (bindgen needs libclang and its headers)",
        present: libclang_present,
    },
    Requirement {
        package: "g++",
        why: "RocksDB's C++ sources",
        present: || on_path("g++"),
    },
    Requirement {
        package: "make",
        why: "librdkafka's build",
        present: || on_path("make"),
    },
    Requirement {
        package: "pkg-config",
        why: "librdkafka's build",
        present: || on_path("pkg-config"),
    },
    Requirement {
        package: "zlib1g-dev",
        why: "librdkafka's compression",
        present: || Path::new("/usr/include/zlib.h").exists(),
    },
];

/// Installs what is missing, or says exactly how to.
pub(crate) fn ensure() -> Result {
    let missing: Vec<&Requirement> = REQUIREMENTS.iter().filter(|r| !(r.present)()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<&str> = missing.iter().map(|r| r.package).collect();
    for r in &missing {
        eprintln!("xtask: missing {} (needed for {})", r.package, r.why);
    }
    let command = format!(
        "apt-get update && apt-get install -y {}",
        packages.join(" ")
    );
    if !is_root() || !on_path("apt-get") {
        return Err(format!(
            "install the missing build prerequisites, e.g.: sudo sh -c '{command}'"
        ));
    }
    eprintln!("xtask: running `{command}`");
    let ok = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&packages);
    if !ok(&["update", "-q"]) || !ok(&install) {
        return Err(format!("`{command}` failed; run it by hand and retry"));
    }
    match missing.iter().find(|r| !(r.present)()) {
        Some(r) => Err(format!("{} still missing after apt-get install", r.package)),
        None => Ok(()),
    }
}

/// libclang and clang's own headers (`stdbool.h`): `libclang1` alone lacks them.
fn libclang_present() -> bool {
    if std::env::var_os("LIBCLANG_PATH").is_some() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir("/usr/lib") else {
        return false;
    };
    entries.flatten().any(|e| {
        let dir = e.path();
        let is_llvm = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("llvm-"));
        is_llvm && dir.join("lib/libclang.so").exists() && has_stdbool(&dir.join("lib/clang"))
    })
}

fn has_stdbool(clang_dir: &Path) -> bool {
    std::fs::read_dir(clang_dir)
        .map(|versions| {
            versions
                .flatten()
                .any(|v| v.path().join("include/stdbool.h").exists())
        })
        .unwrap_or(false)
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
