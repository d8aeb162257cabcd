//! From matches to detections: each match located (line and column), its message
//! and remediation rendered, its secret redacted, and the ones an inline marker
//! allows set apart. What comes out has no path; the pipeline places it.

use super::inline;
use super::location::Locator;
use super::matcher::{Matcher, RawMatch};
use super::rules::Rule;
use crate::model::Text;
use crate::model::{Detection, FoundSecret, Position, Secret};

/// What one buffer holds: the detections to report, and those an inline marker
/// allows (kept, to be counted and listed).
#[derive(Debug, Default)]
pub struct Detected {
    pub found: Vec<Detection>,
    pub allowed: Vec<Detection>,
}

/// Every detection in `hay`, located, with inline-allowed ones set apart.
pub fn detect(matcher: &Matcher<'_>, hay: &[u8]) -> Detected {
    let matches = matcher.find(hay);
    let mut detected = Detected::default();
    if matches.is_empty() {
        return detected;
    }
    let mut locator = Locator::new(hay);
    let allowed_lines = inline::Allowed::find(hay, matcher.inline);
    for m in matches {
        let rule = &matcher.rules().rules[m.rule];
        let start = locator.position(m.match_start.unwrap_or(m.span.start));
        let end = locator.position(m.span.end);
        let detection = detection(rule, (start, end), m);
        if allowed_lines.contains(start.line) {
            detected.allowed.push(detection);
        } else {
            detected.found.push(detection);
        }
    }
    detected
}

/// A match of `rule` as a detection: its issuer (when the rule names issuers)
/// picked, its secret redacted. Message and remediation stay the rule's shared
/// templates, rendered with the properties when a report reads them.
fn detection(rule: &Rule, (start, end): (Position, Position), m: RawMatch<'_>) -> Detection {
    let secret = Secret::new(&m.secret);
    let mut properties = m.properties;
    // Properties are shown unredacted, in every report (SARIF too): a group that
    // holds the whole secret (a rule naming `secret`, or a group around it) is not
    // one. (`rules check` refuses the first kind.)
    let value_of_secret = secret.expose();
    properties.retain(|_, value| value_of_secret.is_empty() || !value.contains(value_of_secret));
    let issuer = rule.issuer_of(&m.secret, properties.get("scheme").map(String::as_str));
    let remediation = issuer.map_or(&rule.remediation, |(_, template)| template).clone();
    if let Some((issuer, _)) = issuer {
        properties.insert("issuer".to_string(), issuer.name.clone());
    }
    Detection {
        rule_id: rule.spec.id.clone(),
        severity: rule.spec.severity,
        message: Text::Template(rule.message.clone()),
        remediation: Text::Template(remediation),
        start,
        end,
        secret: Some(FoundSecret {
            public_len: u32::try_from(m.public_len).unwrap_or(0),
            value: secret,
        }),
        properties,
        encoding: m.encoding,
        member: String::new(),
    }
}

/// A detection about a whole file (a file rule), at its first line.
pub fn file_level(
    rule: &Rule,
    properties: crate::model::Properties,
    message: String,
    remediation: String,
) -> Detection {
    let first = Position { line: 1, column: 1 };
    Detection {
        rule_id: rule.spec.id.clone(),
        severity: rule.spec.severity,
        message: message.into(),
        remediation: remediation.into(),
        start: first,
        end: first,
        secret: None,
        properties,
        encoding: Vec::new(),
        member: String::new(),
    }
}
