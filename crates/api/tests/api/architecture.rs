//! The shape of `crates/api/src`, checked on every run so that it cannot drift: the floors
//! import only downwards, and nobody reaches into a capability or the identity model except
//! through its `service` face (`crates/api/src/README.md` describes both).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The capabilities: each exposes `routes()`, `jobs()`, `events()`, `lists()` and a `service`
/// module.
const CAPABILITIES: &[&str] = &[
    "organizations",
    "people",
    "documents",
    "requests",
    "settings",
    "activity",
];

/// The floors, lowest first. A module may import its own floor and those below.
const FLOORS: &[&[&str]] = &[
    &[
        "body",
        "clock",
        "config",
        "db",
        "error",
        "events",
        "hardening",
        "jobs",
        "limiter",
        "mail",
        "pagination",
        "passwords",
        "secrets",
        "state",
        "storage",
        "telemetry",
        "tokens",
    ],
    &["audit", "tenancy"],
    &["auth"],
    CAPABILITIES,
    &[
        "demo", "health", "openapi", "startup", "web_app", "lib", "main",
    ],
];

/// The modules whose only public face is `service` (with routes, jobs and subscribers): the
/// capabilities, the identity model and authentication.
const HAS_FACE: &[&str] = &[
    "tenancy",
    "auth",
    "organizations",
    "people",
    "documents",
    "requests",
    "settings",
    "activity",
];

/// What of such a module others may name.
/// (`Principal` and `Access` are what every handler starts from; `well_known` registers the
/// routes outside `/api/v1`.)
const FACE: &[&str] = &[
    "service",
    "routes",
    "jobs",
    "events",
    "lists",
    "OrgVisibility",
    "Principal",
    "Access",
    "well_known",
];

fn floor_of(module: &str) -> usize {
    FLOORS
        .iter()
        .position(|floor| floor.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is on no floor: add it to FLOORS"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Splits `a, b::{c, d}` at the commas outside braces.
fn split_top(list: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
    for (i, ch) in list.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// Every path a `use` tree names, as segments: `crate::{a::b, c}` is `crate::a::b`, `crate::c`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    match tree.find('{') {
        Some(open) if tree.ends_with('}') => {
            let head = tree[..open].trim_end_matches("::");
            let joined = [prefix, head]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("::");
            for part in split_top(&tree[open + 1..tree.len() - 1]) {
                expand(&joined, part, out);
            }
        }
        _ => {
            let path = tree.split(" as ").next().unwrap_or(tree).trim();
            let full = if prefix.is_empty() {
                path.to_string()
            } else {
                format!("{prefix}::{path}")
            };
            out.push(full);
        }
    }
}

/// The `crate::` paths a source file names outside its tests: in `use` items and inline.
fn crate_paths(source: &str) -> Vec<String> {
    let source = source.split("#[cfg(test)]").next().unwrap_or(source);
    let code: String = source
        .lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use crate::") {
        let after = &rest[at + "use ".len()..];
        let end = after.find(';').unwrap_or(after.len());
        expand("", &after[..end].replace('\n', " "), &mut paths);
        rest = &after[end..];
    }
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        paths.push(after[..end].trim_end_matches(':').to_string());
        rest = &after[end..];
    }
    paths
}

#[test]
fn floors_import_downwards_and_faced_modules_are_used_only_through_their_service() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let source = std::fs::read_to_string(file).unwrap();
        for path in crate_paths(&source) {
            let segments: Vec<&str> = path.split("::").collect();
            let Some(&target) = segments.get(1) else {
                continue;
            };
            if target == module || target == "on_db" || target.is_empty() {
                continue;
            }
            let (from, to) = (floor_of(&module), floor_of(target));
            if to > from {
                wrong.insert(format!("{}: reaches up to {path}", relative.display()));
            }
            // Outside a module with a face, only the face: its service, and the routes, jobs
            // and subscribers `startup` composes (and the model's `OrgVisibility`).
            let through_face = segments.len() < 3 || FACE.contains(&segments[2]);
            if HAS_FACE.contains(&target) && !through_face {
                wrong.insert(format!(
                    "{}: uses {path}, not {target}::service",
                    relative.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "the module structure drifted:\n{}", {
        let lines: Vec<_> = wrong.into_iter().collect();
        lines.join("\n")
    });
}

#[test]
fn the_checker_sees_grouped_and_inline_paths_but_not_comments() {
    let paths = crate_paths(
        "use crate::{auth::Principal, documents::{queries, rules as r}};\n\
         fn f() { crate::requests::handlers::lock(); } // crate::people::x\n",
    );
    for expected in [
        "crate::auth::Principal",
        "crate::documents::queries",
        "crate::documents::rules",
        "crate::requests::handlers::lock",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    assert!(!paths.iter().any(|p| p.contains("people")), "{paths:?}");
}
