//! The one escaping function every string from outside wayscan (file names, rule
//! fields, report values, configuration values, git's words) passes through before
//! it reaches a terminal or a CI log, so it cannot rewrite the screen or forge lines.

use std::borrow::Cow;

/// Control characters (C0, DEL, C1) and bidirectional overrides, which can hide or
/// reorder text on a terminal.
fn hides_text(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Replaces control characters (C0, DEL, C1) and bidirectional overrides with
/// visible `\u{..}` escapes: for one value (a path, a key id), where a line break
/// could forge a line of its own (a CI log's `::error::`).
pub fn clean(text: &str) -> Cow<'_, str> {
    escape(text, hides_text)
}

/// [`clean`] for a whole message wayscan wrote, whose own line breaks stay: the last
/// guard on every error and warning, for values no one cleaned on the way in.
pub fn clean_message(text: &str) -> Cow<'_, str> {
    escape(text, |c| c != '\n' && hides_text(c))
}

/// A TOML error as `line L, column C: what`, never quoting the file: it may be any
/// file a link pointed at, and a CI log is public. Values serde names in double
/// quotes are masked; keys (in backticks) are kept, they say what to fix.
pub fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let mut message = String::new();
    let mut quoted = false;
    // serde names a value that is not one of an enum's in backticks, like a key.
    let raw = e.message().trim_end();
    let raw = match raw
        .strip_prefix("unknown variant `")
        .and_then(|rest| rest.split_once('`'))
    {
        Some((_, rest)) => format!("unknown variant `…`{rest}"),
        None => raw.to_string(),
    };
    for c in raw.chars() {
        match (c, quoted) {
            ('"', false) => {
                quoted = true;
                message.push_str("\"…");
            }
            ('"', true) => {
                quoted = false;
                message.push('"');
            }
            (c, false) if !c.is_control() => message.push(c),
            _ => {}
        }
    }
    match e.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// A regex that does not compile, said without quoting it (the regex crate draws the
/// pattern with a caret under the fault): only the reason, and where it is.
pub fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => {
            let reason = text.lines().find_map(|l| l.strip_prefix("error: "));
            let at = text.lines().find(|l| l.trim_start().starts_with('^')).map(|caret| {
                // The caret line is indented like the pattern line above it.
                let indent = text.lines().nth(1).map_or(0, |p| p.len() - p.trim_start().len());
                caret.find('^').unwrap_or(0).saturating_sub(indent) + 1
            });
            match (reason, at) {
                (Some(reason), Some(at)) => format!("{reason} (at character {at})"),
                (Some(reason), None) => reason.to_string(),
                _ => "syntax error".to_string(),
            }
        }
        regex::Error::CompiledTooBig(limit) => format!("compiles to more than {limit} bytes"),
        _ => "does not compile".to_string(),
    }
}

fn escape(text: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&bad) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match bad(c) {
                true => c.escape_unicode().to_string(),
                false => c.to_string(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_become_visible() {
        assert_eq!(clean("plain/path.py"), "plain/path.py");
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\n::error::y"), "x\\u{a}::error::y");
        assert_eq!(clean("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(
            regex_error(&regex::Regex::new(&format!("ab{}secret_value", '(')).unwrap_err()),
            "unclosed group (at character 3)"
        );
        assert_eq!(
            clean_message("line one\nkey \u{7}\u{9b}"),
            "line one\nkey \\u{7}\\u{9b}"
        );
    }
}
