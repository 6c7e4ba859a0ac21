//! The expected-failures list (`hive-tests/expected-failures.txt`): one test path and its
//! reason per line, `#` comments. A failing test not listed fails the run; a listed test that
//! passes is reported so the list can shrink.

use crate::ReplayError;
use std::{collections::BTreeMap, path::Path};

/// Tests known to fail, with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedFailures {
    reasons: BTreeMap<String, String>,
}

impl ExpectedFailures {
    /// Parses the list: `path/of/test.io  reason words...`.
    pub fn parse(text: &str) -> Result<Self, ReplayError> {
        let mut reasons = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (path, reason) = line.split_once(char::is_whitespace).ok_or_else(|| {
                ReplayError::Fixture(format!(
                    "expected failures line {}: a test path needs a reason",
                    number + 1
                ))
            })?;
            reasons.insert(path.to_string(), reason.trim().to_string());
        }
        Ok(Self { reasons })
    }

    /// Reads the list from `path` (a missing file is an empty list).
    pub fn load(path: &Path) -> Result<Self, ReplayError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(ReplayError::io(path, err)),
        }
    }

    /// Why `test` is expected to fail, if it is.
    pub fn reason(&self, test: &str) -> Option<&str> {
        self.reasons.get(test).map(String::as_str)
    }

    /// Every listed test.
    pub fn tests(&self) -> impl Iterator<Item = &str> {
        self.reasons.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_and_reasons() {
        let list = ExpectedFailures::parse(
            "# comment\n\neth_getProof/a.io   proofs at old blocks are not served\n",
        )
        .unwrap();
        assert_eq!(
            list.reason("eth_getProof/a.io"),
            Some("proofs at old blocks are not served")
        );
        assert_eq!(list.reason("eth_getProof/b.io"), None);
        assert!(ExpectedFailures::parse("eth_call/x.io\n").is_err());
    }
}
