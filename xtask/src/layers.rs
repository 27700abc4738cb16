//! `cargo xtask layers`: checks that the modules of the `kstreams` crate
//! import only from the layers below them (the rule is written in
//! `kstreams/src/lib.rs`'s top doc and `shared/DESIGN.md`):
//!
//! ```text
//! dsl → topology → processor ← runtime → kafka
//!                      ↓          ↓
//!                   errors      config
//!                      ↓
//!        processor's record types (Record, Headers, TaskId, …)
//!                      ↓
//!                 state, error
//!                      ↓
//!                   metrics
//! ```
//!
//! The check reads the sources as text: every `crate::<module>` path
//! outside comments and `#[cfg(test)]` code is an import of that module
//! (items re-exported at the crate root, like `crate::Error`, are resolved
//! through `lib.rs`). It runs in `cargo xtask test` before the tests, and
//! its own tests show it catches a wrong import. Tests may import anything.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;

/// Each layer and the layers it may import from (itself always allowed).
const RULES: &[(&str, &[&str])] = &[
    ("error", &[]),
    // Sensors and the registry: held by every layer above, importing none.
    ("metrics", &["error"]),
    ("state", &["error", "metrics"]),
    (RECORDS, &["error"]),
    ("errors", &["error", "metrics", RECORDS]),
    (
        "processor",
        &["error", "metrics", "state", "errors", RECORDS],
    ),
    (
        "topology",
        &["error", "metrics", "state", "errors", "processor", RECORDS],
    ),
    (
        "dsl",
        &[
            "error",
            "metrics",
            "state",
            "errors",
            "processor",
            "topology",
            RECORDS,
        ],
    ),
    ("config", &["error", "metrics", "errors"]),
    ("kafka", &["error", "config", RECORDS]),
    (
        "runtime",
        &[
            "error",
            "metrics",
            "state",
            "errors",
            "processor",
            "topology",
            "config",
            "kafka",
            RECORDS,
        ],
    ),
    (
        "test_driver",
        &[
            "error",
            "metrics",
            "state",
            "errors",
            "processor",
            "topology",
            "config",
            "runtime",
            "dsl",
            RECORDS,
        ],
    ),
    // What the macros' generated code calls: the user-facing layers only.
    (
        "macro_support",
        &[
            "error",
            "state",
            "errors",
            "processor",
            "topology",
            "dsl",
            RECORDS,
        ],
    ),
];

/// The record types at the bottom of `processor` (Kafka Streams'
/// `processor.api` records), which `errors` and `kafka` may use.
const RECORDS: &str = "processor::records";
const RECORD_FILES: &[&str] = &[
    "processor/record.rs",
    "processor/task_id.rs",
    "processor/collector.rs",
];
const RECORD_ITEMS: &[&str] = &[
    "Record",
    "RecordMetadata",
    "Headers",
    "ConsumedRecord",
    "ProducedRecord",
    "TaskId",
    "RecordCollector",
    "record",
    "task_id",
    "collector",
];

/// One import that breaks the rule.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) from: String,
    pub(crate) to: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "kstreams/src/{}:{}: `{}` imports from `{}`, a layer above it (allowed: {})",
            self.file,
            self.line,
            self.from,
            self.to,
            allowed(&self.from).join(", ")
        )
    }
}

fn allowed(layer: &str) -> Vec<&'static str> {
    RULES
        .iter()
        .find(|(l, _)| *l == layer)
        .map(|(_, a)| a.to_vec())
        .unwrap_or_default()
}

/// `cargo xtask layers`.
pub(crate) fn run() -> Result {
    let src = crate::paths::repo_root().join("kstreams/src");
    let violations = check_dir(&src)?;
    if violations.is_empty() {
        eprintln!("xtask: kstreams' layers point one way");
        return Ok(());
    }
    let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    Err(format!(
        "{} import(s) against the layering rule (kstreams/src/lib.rs):\n{}",
        list.len(),
        list.join("\n")
    ))
}

/// Checks every `.rs` file under `src` (the `kstreams` crate's sources).
pub(crate) fn check_dir(src: &Path) -> Result<Vec<Violation>> {
    let read =
        |p: &Path| fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let roots = root_reexports(&read(&src.join("lib.rs"))?);
    let mut files = Vec::new();
    collect(src, &mut files)?;
    let test_only = test_only_files(src, &files, &read)?;
    let mut out = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(src)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        if test_only.contains(&path) {
            continue;
        }
        out.extend(check_file(&rel, &read(&path)?, &roots));
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// Files declared as `#[cfg(test)] mod name;`.
fn test_only_files(
    src: &Path,
    files: &[PathBuf],
    read: &dyn Fn(&Path) -> Result<String>,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in files {
        let text = read(path)?;
        let dir = match path.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs") => path.parent().map(Path::to_path_buf),
            _ => path
                .parent()
                .map(|p| p.join(path.file_stem().unwrap_or_default())),
        }
        .unwrap_or_else(|| src.to_path_buf());
        let mut lines = text.lines().map(str::trim);
        while let Some(line) = lines.next() {
            if line == "#[cfg(test)]" {
                if let Some(next) = lines.next() {
                    if let Some(name) = next.strip_prefix("mod ").and_then(|r| r.strip_suffix(';'))
                    {
                        out.push(dir.join(format!("{name}.rs")));
                        out.push(dir.join(name).join("mod.rs"));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Names re-exported at the crate root (`pub use crate::config::StreamsConfig`) → their module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let text = strip_comments(lib);
    for stmt in text.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use crate::") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.trim().rsplit("::").next().unwrap_or("").trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    out
}

/// The layer a file belongs to.
fn layer_of(file: &str) -> String {
    if RECORD_FILES.contains(&file) {
        return RECORDS.to_owned();
    }
    let top = file.split('/').next().unwrap_or(file);
    top.trim_end_matches(".rs").to_owned()
}

/// The layer that `crate::<first>::<second>` names.
fn target_layer(first: &str, second: &str, roots: &BTreeMap<String, String>) -> String {
    match first {
        "processor" if RECORD_ITEMS.contains(&second) => RECORDS.to_owned(),
        "__private" => "macro_support".to_owned(),
        other => match roots.get(other) {
            Some(module) if module == "processor" && RECORD_ITEMS.contains(&other) => {
                RECORDS.to_owned()
            }
            Some(module) => module.clone(),
            None => other.to_owned(),
        },
    }
}

pub(crate) fn check_file(
    file: &str,
    text: &str,
    roots: &BTreeMap<String, String>,
) -> Vec<Violation> {
    let from = layer_of(file);
    let Some((_, allowed)) = RULES.iter().find(|(l, _)| *l == from) else {
        return Vec::new(); // lib.rs and modules outside the rule (none today)
    };
    let text = strip_test_modules(&strip_comments(text));
    let mut out = Vec::new();
    for (line_no, first, second) in crate_paths(&text) {
        let to = target_layer(&first, &second, roots);
        let external = matches!(to.as_str(), "serde" | "Error" | "Result");
        if to == from || external || allowed.contains(&to.as_str()) || to == "lib" {
            continue;
        }
        if !RULES.iter().any(|(l, _)| *l == to) {
            continue; // a name we cannot place (e.g. a macro): not a layer
        }
        out.push(Violation {
            file: file.to_owned(),
            line: line_no,
            from: from.clone(),
            to,
        });
    }
    out.dedup_by(|a, b| a.to == b.to && a.line == b.line);
    out
}

/// Every `crate::a::b` path, including those inside `use crate::{a::b, c}`
/// groups, as (line, a, b).
fn crate_paths(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("crate::") {
        let start = i + pos;
        i = start + "crate::".len();
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue; // `kstreams_crate::` and the like
        }
        let line = text[..start].matches('\n').count() + 1;
        if text[i..].starts_with('{') {
            let group = braced(&text[i..]);
            for path in top_level_items(group) {
                for (first, second) in first_two(path) {
                    out.push((line, first, second));
                }
            }
        } else {
            let rest = &text[i..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let path = if rest[end..].starts_with('{') {
                // `crate::a::{b, c}`: the group too.
                let group = braced(&rest[end..]).len();
                &rest[..(end + group + 2).min(rest.len())]
            } else {
                &rest[..end]
            };
            for (first, second) in first_two(path) {
                out.push((line, first, second));
            }
        }
    }
    out
}

/// The first two segments of `a::b::c`, or of each path in `a::{b::x, c}`.
fn first_two(path: &str) -> Vec<(String, String)> {
    let path = path.trim();
    let (first, rest) = match path.split_once("::") {
        Some((first, rest)) => (first.trim(), rest.trim()),
        None => (path, ""),
    };
    let segment = |p: &str| -> String {
        p.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if rest.starts_with('{') {
        top_level_items(braced(rest))
            .into_iter()
            .map(|item| (first.to_owned(), segment(item)))
            .collect()
    } else {
        vec![(first.to_owned(), segment(rest))]
    }
}

/// The text inside the braces `text` starts with.
fn braced(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    &text[1.min(text.len())..]
}

fn top_level_items(group: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(group[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(group[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Blanks out `#[cfg(test)] mod name { .. }` blocks, keeping line numbers.
fn strip_test_modules(text: &str) -> String {
    let mut out = text.to_owned();
    let mut from = 0;
    while let Some(pos) = out[from..].find("#[cfg(test)]") {
        let start = from + pos;
        let Some(open) = out[start..].find('{').map(|o| start + o) else {
            break;
        };
        let header = &out[start..open];
        if !header.contains("mod ") || header.contains(';') {
            from = open;
            continue;
        }
        let body = braced(&out[open..]).len();
        let end = (open + body + 2).min(out.len());
        // Byte for byte, so that `end` stays a boundary after a non-ASCII character.
        let blank: String = out[start..end]
            .chars()
            .map(|c| {
                if c == '\n' {
                    "\n".to_owned()
                } else {
                    " ".repeat(c.len_utf8())
                }
            })
            .collect();
        out.replace_range(start..end, &blank);
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> BTreeMap<String, String> {
        root_reexports("pub use crate::error::{Error, Result};\npub use crate::config::{ProcessingGuarantee, StreamsConfig};\npub use crate::processor::{Headers, Processor};")
    }

    #[test]
    fn kstreams_layers_point_one_way() {
        let src = crate::paths::repo_root().join("kstreams/src");
        let violations = check_dir(&src).expect("kstreams sources are readable");
        let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
        assert!(
            list.is_empty(),
            "imports against the layering rule:\n{}",
            list.join("\n")
        );
    }

    #[test]
    fn metrics_sits_below_every_layer() {
        let v = check_file(
            "metrics/task.rs",
            "use crate::state::StoreContext;\n",
            &roots(),
        );
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!((v[0].from.as_str(), v[0].to.as_str()), ("metrics", "state"));
        assert!(check_file(
            "state/metered.rs",
            "use crate::metrics::StoreScope;\n",
            &roots()
        )
        .is_empty());
    }

    #[test]
    fn an_upward_import_is_reported_with_its_line() {
        let text = "//! docs mention crate::runtime freely\nuse crate::state::KeyValueStore;\nuse crate::runtime::task::StreamTask;\n";
        let v = check_file("processor/node.rs", text, &roots());
        assert_eq!(
            v,
            vec![Violation {
                file: "processor/node.rs".into(),
                line: 3,
                from: "processor".into(),
                to: "runtime".into()
            }]
        );
        assert!(
            v[0].to_string()
                .contains("allowed: error, metrics, state, errors"),
            "{}",
            v[0]
        );
    }

    #[test]
    fn groups_root_reexports_and_record_types_are_resolved() {
        let roots = roots();
        // errors may use processor's record types, not its nodes.
        let ok = check_file(
            "errors/dlq.rs",
            "use crate::{processor::{Headers, TaskId}, Error};",
            &roots,
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = check_file(
            "errors/dlq.rs",
            "use crate::{processor::node::NodeCx, Error};",
            &roots,
        );
        assert_eq!(bad.len(), 1, "{bad:?}");
        let ok = check_file(
            "errors/dlq.rs",
            "use crate::processor::{Headers, TaskId};",
            &roots,
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = check_file(
            "errors/dlq.rs",
            "use crate::processor::{Headers, node::NodeCx};",
            &roots,
        );
        assert_eq!(bad.len(), 1, "{bad:?}");
        // state depends on nothing above it: a root re-export of config is caught.
        let bad = check_file(
            "state/builder.rs",
            "fn f(c: &crate::StreamsConfig) {}",
            &roots,
        );
        assert_eq!(bad.first().map(|v| v.to.as_str()), Some("config"));
    }

    #[test]
    fn test_modules_may_import_anything() {
        let text = "use crate::state::Store;\n#[cfg(test)]\nmod tests {\n    use crate::dsl::StreamsBuilder;\n    fn f() { if true {} }\n}\n";
        assert!(check_file("runtime/task.rs", text, &roots()).is_empty());
        let outside = format!("{text}fn g() {{ crate::dsl::x(); }}\n");
        assert_eq!(check_file("runtime/task.rs", &outside, &roots()).len(), 1);
    }
}
