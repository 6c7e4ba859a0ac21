//! Outcomes of a replay: the per-method table, the final `N passed, M failed` line, and the
//! verdict against the expected-failures list.

use crate::expected::ExpectedFailures;
use std::{collections::BTreeMap, fmt::Write as _};

/// How one test went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// The test's path (`method/name.io`).
    pub name: String,
    /// Its method folder.
    pub method: String,
    /// `Err` holds the first difference.
    pub result: Result<(), String>,
}

/// Every outcome of a run, judged against the expected failures.
#[derive(Debug, Clone)]
pub struct Report {
    /// In replay order.
    pub outcomes: Vec<TestOutcome>,
    /// The list they are judged against.
    pub expected: ExpectedFailures,
}

impl Report {
    /// Tests that passed.
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_ok()).count()
    }

    /// Tests that failed.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }

    /// Failures the list does not excuse: these fail the run.
    pub fn unexpected_failures(&self) -> Vec<&TestOutcome> {
        self.outcomes
            .iter()
            .filter(|o| o.result.is_err() && self.expected.reason(&o.name).is_none())
            .collect()
    }

    /// Listed tests that ran and passed: the list should drop them.
    pub fn now_passing(&self) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter(|o| o.result.is_ok() && self.expected.reason(&o.name).is_some())
            .map(|o| o.name.as_str())
            .collect()
    }

    /// Whether the run succeeds (no unexpected failure).
    pub fn is_success(&self) -> bool {
        self.unexpected_failures().is_empty()
    }

    /// The per-method table, the failures with their reasons, and the final line.
    pub fn render(&self) -> String {
        let mut per_method: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for outcome in &self.outcomes {
            let entry = per_method.entry(&outcome.method).or_default();
            if outcome.result.is_ok() {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        let width = per_method.keys().map(|m| m.len()).max().unwrap_or(6).max(6);
        let mut out = String::new();
        let _ = writeln!(out, "{:<width$}  passed  failed", "method");
        for (method, (passed, failed)) in &per_method {
            let _ = writeln!(out, "{method:<width$}  {passed:>6}  {failed:>6}");
        }
        let failures: Vec<&TestOutcome> =
            self.outcomes.iter().filter(|o| o.result.is_err()).collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "\nfailures:");
            for outcome in failures {
                let why = outcome.result.as_ref().err().map_or("", String::as_str);
                let tag = match self.expected.reason(&outcome.name) {
                    Some(_) => "expected",
                    None => "UNEXPECTED",
                };
                let _ = writeln!(out, "  [{tag}] {}: {why}", outcome.name);
            }
        }
        let now_passing = self.now_passing();
        if !now_passing.is_empty() {
            let _ = writeln!(
                out,
                "\nlisted as expected failures but now pass (remove them from the list):"
            );
            for name in now_passing {
                let _ = writeln!(out, "  {name}");
            }
        }
        let _ = writeln!(out, "\n{} passed, {} failed", self.passed(), self.failed());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, ok: bool) -> TestOutcome {
        TestOutcome {
            name: name.into(),
            method: name.split('/').next().unwrap().into(),
            result: if ok { Ok(()) } else { Err("differs".into()) },
        }
    }

    #[test]
    fn judges_against_the_list() {
        let report = Report {
            outcomes: vec![
                outcome("a/1.io", true),
                outcome("a/2.io", false),
                outcome("b/1.io", false),
                outcome("b/2.io", true),
            ],
            expected: ExpectedFailures::parse("a/2.io known\nb/2.io fixed since\n").unwrap(),
        };
        assert_eq!(report.passed(), 2);
        assert_eq!(report.failed(), 2);
        let unexpected: Vec<_> = report
            .unexpected_failures()
            .iter()
            .map(|o| o.name.clone())
            .collect();
        assert_eq!(unexpected, vec!["b/1.io".to_string()]);
        assert_eq!(report.now_passing(), vec!["b/2.io"]);
        assert!(!report.is_success());
        let text = report.render();
        assert!(text.ends_with("2 passed, 2 failed\n"));
        assert!(text.contains("[UNEXPECTED] b/1.io"));
    }
}
