//! The skip list (`skip.txt`): networks or cases not run on purpose, each with its reason.

use std::path::Path;

/// What a skip entry matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipMatch {
    /// A network (blockchain) or fork (state), exactly.
    Network(String),
    /// Any case whose id contains this text.
    Case(String),
}

/// One entry.
#[derive(Debug, Clone)]
pub struct SkipEntry {
    /// What it matches.
    pub matches: SkipMatch,
    /// Why it is skipped.
    pub reason: String,
}

/// A malformed skip list.
#[derive(Debug, thiserror::Error)]
pub enum SkipListError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is neither a comment nor `kind value | reason`.
    #[error("skip list line {line}: expected `network NAME | reason` or `case TEXT | reason`")]
    Line {
        /// 1-based line number.
        line: usize,
    },
}

/// Every skip entry.
#[derive(Debug, Clone, Default)]
pub struct SkipList {
    /// Entries in file order.
    pub entries: Vec<SkipEntry>,
}

impl SkipList {
    /// The skip list shipped with this crate.
    pub fn bundled() -> Result<Self, SkipListError> {
        Self::parse(include_str!("../skip.txt"))
    }

    /// Reads a skip list file.
    pub fn from_file(path: &Path) -> Result<Self, SkipListError> {
        let text = std::fs::read_to_string(path).map_err(|source| SkipListError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses skip list text.
    pub fn parse(text: &str) -> Result<Self, SkipListError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let malformed = || SkipListError::Line { line: index + 1 };
            let (pattern, reason) = line.split_once(" | ").ok_or_else(malformed)?;
            let (kind, value) = pattern.trim().split_once(' ').ok_or_else(malformed)?;
            let value = value.trim().to_string();
            let matches = match kind {
                "network" => SkipMatch::Network(value),
                "case" => SkipMatch::Case(value),
                _ => return Err(malformed()),
            };
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(malformed());
            }
            entries.push(SkipEntry {
                matches,
                reason: reason.to_string(),
            });
        }
        Ok(Self { entries })
    }

    /// The reason `case_id` under `network` is skipped, if it is.
    pub fn reason(&self, network: &str, case_id: &str) -> Option<&str> {
        self.entries.iter().find_map(|entry| {
            let hit = match &entry.matches {
                SkipMatch::Network(name) => name == network,
                SkipMatch::Case(text) => case_id.contains(text.as_str()),
            };
            hit.then_some(entry.reason.as_str())
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly on purpose
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let list =
            SkipList::parse("# c\nnetwork Frontier | old\ncase foo::bar | broken\n").unwrap();
        assert_eq!(list.reason("Frontier", "x"), Some("old"));
        assert_eq!(list.reason("Cancun", "a/foo::bar[1]"), Some("broken"));
        assert_eq!(list.reason("Cancun", "a/foo::baz"), None);
        assert!(SkipList::parse("network Frontier").is_err());
        assert!(SkipList::parse("fork X | y").is_err());
        SkipList::bundled().unwrap();
    }
}
