//! `rules check`: proves that every rule finds each of its examples and none of its
//! negative examples, through the same matcher a scan uses.

use super::Matcher;
use crate::engine::rules::RuleSet;
use std::fmt;

/// One example that did not behave as its rule file says.
#[derive(Debug)]
pub struct CheckFailure {
    pub file: String,
    pub rule: String,
    pub problem: String,
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule file {}: rule '{}': {}", self.file, self.rule, self.problem)
    }
}

/// Checks the rules of `set` that came from one of `files` (all rules when empty).
/// Example text is not printed: an example may be a key-shaped string.
pub fn check_rules(set: &RuleSet, files: &[String]) -> Vec<CheckFailure> {
    let matcher = Matcher::new(set);
    let mut failures = Vec::new();
    for (index, rule) in set.rules.iter().enumerate() {
        if !files.is_empty() && !files.contains(&rule.origin) {
            continue;
        }
        let mut fail = |problem: String| {
            failures.push(CheckFailure {
                file: rule.origin.clone(),
                rule: rule.spec.id.clone(),
                problem,
            })
        };
        // A converted rule's source format has no examples; the ones it is given
        // are still checked.
        let imported = rule.spec.imported_from.is_some();
        if rule.spec.examples.is_empty() && !imported {
            fail("has no examples: every rule must show what it finds".into());
        }
        if rule.spec.negative_examples.is_empty() && !imported {
            fail("has no negative_examples: every rule must show what it leaves alone".into());
        }
        // Content rules' examples are file contents; file rules' examples are paths.
        let finds = |text: &str| {
            if rule.is_content() {
                matcher.find(text.as_bytes()).iter().any(|m| m.rule == index)
            } else {
                rule.matches_path(text)
            }
        };
        for (n, example) in rule.spec.examples.iter().enumerate() {
            if !finds(example) {
                fail(format!("examples[{n}] is not matched"));
            }
        }
        for (n, example) in rule.spec.negative_examples.iter().enumerate() {
            if finds(example) {
                fail(format!("negative_examples[{n}] is matched"));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_pass_their_own_examples() {
        let set = RuleSet::builtin().unwrap();
        let failures: Vec<String> = check_rules(&set, &[]).iter().map(|f| f.to_string()).collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn a_wrong_example_is_caught() {
        let text = r#"
[[rules]]
id = "demo"
name = "Demo"
description = "d"
severity = "low"
keywords = ["demo_"]
regex = 'demo_(?P<secret>[a-z]{8})\b'
message = "m"
remediation = "r"
examples = ["demo_abcdefgh", "demo_short"]
negative_examples = ["demo_abcdefgh"]
"#;
        let set = RuleSet::from_sources(&[("demo.toml".into(), text.into())]).unwrap();
        let failures: Vec<String> = check_rules(&set, &["demo.toml".into()])
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            failures,
            vec![
                "rule file demo.toml: rule 'demo': examples[1] is not matched",
                "rule file demo.toml: rule 'demo': negative_examples[0] is matched",
            ]
        );
    }
}
