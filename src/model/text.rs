//! A finding's message and remediation: a rule's template, shared by every finding
//! of the rule and rendered with the finding's properties when a report reads it,
//! or text of the finding's own. Rendered up front, a WAYSCloud key's remediation
//! (its key id written in twice) was 400 bytes per finding.

use super::Properties;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// `{property}` placeholders, filled from the finding's properties.
    Template(Arc<str>),
    Plain(Box<str>),
}

impl Text {
    pub fn render<'a>(&'a self, properties: &Properties) -> Cow<'a, str> {
        match self {
            Text::Template(template) => Cow::Owned(render_template(template, properties)),
            Text::Plain(text) => Cow::Borrowed(text),
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::Plain(text.into_boxed_str())
    }
}

/// `template` with each `{name}` of a property replaced by its value; other braces
/// stay as they are. A value is text, never a template: a scanned file cannot fill
/// in another property through it.
pub fn render_template(template: &str, properties: &Properties) -> String {
    // One pass over the template: a file of many findings renders it once per finding.
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let name = rest[open + 1..]
            .find('}')
            .map(|close| &rest[open + 1..open + 1 + close]);
        match name.and_then(|name| properties.get(name).map(|value| (name, value))) {
            Some((name, value)) => {
                out.push_str(&rest[..open]);
                out.push_str(value);
                rest = &rest[open + name.len() + 2..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}
