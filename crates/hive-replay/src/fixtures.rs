//! The `.io` test files: `//` header lines (a `speconly:` line marks a schema-only test), then
//! `>> request` / `<< response` pairs. Walked in lexical path order, as hive does.

use crate::ReplayError;
use std::path::{Path, PathBuf};

/// One request and the response it should get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request line, sent verbatim.
    pub request: String,
    /// The expected response line.
    pub expected: String,
}

/// One `.io` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// Path relative to the fixture root, with `/` (e.g. `eth_call/call-revert.io`): hive's name.
    pub name: String,
    /// The method folder it lives in.
    pub method: String,
    /// Only the result's schema is checked.
    pub speconly: bool,
    /// The header comment.
    pub description: String,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
}

/// Parses one file's text.
pub fn parse_test(name: &str, text: &str) -> Result<TestCase, ReplayError> {
    let mut speconly = false;
    let mut description = Vec::new();
    let mut exchanges = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(comment) = line.strip_prefix("//") {
            let comment = comment.trim();
            if comment.starts_with("speconly:") {
                speconly = true;
            } else if exchanges.is_empty() && pending.is_none() {
                description.push(comment.to_string());
            }
        } else if let Some(request) = line.strip_prefix(">>") {
            if pending.is_some() {
                return Err(ReplayError::Fixture(format!(
                    "{name}: two requests without a response"
                )));
            }
            pending = Some(request.trim().to_string());
        } else if let Some(expected) = line.strip_prefix("<<") {
            let request = pending.take().ok_or_else(|| {
                ReplayError::Fixture(format!("{name}: a response without a request"))
            })?;
            exchanges.push(Exchange {
                request,
                expected: expected.trim().to_string(),
            });
        } else if !line.trim().is_empty() {
            return Err(ReplayError::Fixture(format!("{name}: unexpected line")));
        }
    }
    if pending.is_some() || exchanges.is_empty() {
        return Err(ReplayError::Fixture(format!(
            "{name}: every request needs a response"
        )));
    }
    let method = name.split('/').next().unwrap_or_default().to_string();
    Ok(TestCase {
        name: name.to_string(),
        method,
        speconly,
        description: description.join(" "),
        exchanges,
    })
}

/// Every `.io` file under `root`, in lexical order of its relative path.
pub fn load_tests(root: &Path) -> Result<Vec<TestCase>, ReplayError> {
    let mut files = Vec::new();
    collect_io_files(root, &mut files)?;
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(root).ok()?;
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            Some((name, path))
        })
        .collect();
    named.sort();
    named
        .into_iter()
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).map_err(|e| ReplayError::io(&path, e))?;
            parse_test(&name, &text)
        })
        .collect()
}

fn collect_io_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReplayError> {
    for entry in std::fs::read_dir(dir).map_err(|e| ReplayError::io(dir, e))? {
        let path = entry.map_err(|e| ReplayError::io(dir, e))?.path();
        if path.is_dir() {
            collect_io_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "io") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_speconly_and_pairs() {
        let text = "// builds a block\n// speconly: only the schema\n>> {\"id\":1}\n<< {\"id\":1,\"result\":1}\n>> {\"id\":2}\n<< {\"id\":2,\"result\":2}\n";
        let case = parse_test("testing_buildBlockV1/x.io", text).unwrap();
        assert!(case.speconly);
        assert_eq!(case.method, "testing_buildBlockV1");
        assert_eq!(case.description, "builds a block");
        assert_eq!(case.exchanges.len(), 2);
        assert_eq!(case.exchanges[1].request, "{\"id\":2}");
    }

    #[test]
    fn refuses_unpaired_lines() {
        assert!(parse_test("a/b.io", ">> {}\n").is_err());
        assert!(parse_test("a/b.io", "<< {}\n").is_err());
        assert!(parse_test("a/b.io", "// only a comment\n").is_err());
    }
}
