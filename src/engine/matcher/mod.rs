//! The matcher: one aho-corasick pass over a buffer finds every rule's keywords (plain,
//! base64-encoded and escaped), then each rule's regex runs only in windows around its
//! hits. Everything here is pure: bytes in, matches out.
//!
//! Encodings compose: where the prefilter sees a layer that can hold a keyword (base64
//! of base64 of a keyword, base64 of UTF-16 of one, base64 of gzip, a keyword in hex),
//! the layer is decoded and the matcher runs again on what it holds, up to
//! [`MAX_LAYERS`] deep. A match found so is reported at the outermost encoded span,
//! with the chain of encodings (`base64>gzip`).

mod checks;
mod decode;
mod examples;
pub mod testcred;

pub use examples::{check_rules, CheckFailure};

use crate::engine::rules::{Check, Encoding, Rule, RuleSet, Scope};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use regex::bytes::Captures;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// Where a match was seen: in the text as written, or inside an encoding of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Channel {
    Plain,
    Base64,
    Escape,
    /// A layer to decode and search again, whatever rule's keyword it may hold.
    Layer(Layer),
}

/// An encoded layer the matcher opens and searches again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Layer {
    /// A base64 run: of base64, of UTF-16LE or of gzip.
    Base64,
    /// A run of hexadecimal digits.
    Hex,
}

/// Layers decoded inside one another at most: the depth, and a bound on the
/// work a crafted file can ask for.
pub const MAX_LAYERS: usize = 3;

/// The most bytes one layer decodes to (gzip included): a Helm release is tens of
/// kilobytes; more is data, not configuration.
const MAX_LAYER_BYTES: usize = 4 << 20;

/// The rule index of layer triggers: a layer is opened once, for every rule.
const ANY_RULE: usize = usize::MAX;

/// What a prefilter pattern hit means: look for `rule` through `channel`.
#[derive(Debug, Clone, Copy)]
struct Trigger {
    rule: usize,
    channel: Channel,
    /// For escape stems ("wayscloud" of "wayscloud_"): only a hit followed by an
    /// escape character opens a window, so plain keys are not decoded twice.
    needs_escape_after: bool,
}

/// A confirmed match, borrowing the buffer where it can.
#[derive(Debug, Clone)]
pub struct RawMatch<'a> {
    pub rule: usize,
    /// Span in the buffer that holds the secret as written (encoded text included).
    pub span: Range<usize>,
    /// The secret, decoded.
    pub secret: Cow<'a, [u8]>,
    /// How many leading bytes of `secret` are not secret (shown when redacting).
    pub public_len: usize,
    pub properties: crate::model::Properties,
    /// The encodings the secret was written in, outermost first (empty: plain).
    pub encoding: Vec<Encoding>,
    /// Where the whole match starts, for a rule that reports there
    /// (`report_match_start`) and a match as written.
    pub match_start: Option<usize>,
}

/// One SIMD prefilter pass: its patterns are `triggers[first..]`.
struct Prefilter {
    searcher: AhoCorasick,
    first: usize,
    folding: Folding,
}

/// Which bytes a prefilter searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Folding {
    /// A lower-cased copy of the buffer: keywords in any ASCII casing.
    Lower,
    /// The buffer as written: encoded forms, whose case is significant.
    None,
}

/// How many patterns one prefilter searcher holds: Teddy's limit.
const PREFILTER_GROUP: usize = 64;

/// All rules' prefilter, compiled once per scan and shared by every thread.
pub struct Matcher<'r> {
    rules: &'r RuleSet,
    /// Which inline markers suppress a match (applied by the scan, after matching).
    pub inline: crate::engine::inline::Policy,
    /// The prefilter searchers, each over at most [`PREFILTER_GROUP`] patterns.
    prefilters: Vec<Prefilter>,
    /// For each prefilter pattern, what its hits trigger.
    triggers: Vec<Vec<Hit>>,
    /// Rules whose regex runs over the whole buffer (`scope = "file"`).
    whole: WholeFile,
}

/// The rules that run over the whole buffer: those without keywords always, the
/// others when one of their keywords appears, in any case (gitleaks' semantics).
#[derive(Default)]
struct WholeFile {
    always: Vec<usize>,
    /// Case-insensitive search of their keywords; `None` when no rule has any.
    keywords: Option<AhoCorasick>,
    /// For each keyword pattern, the rules it turns on.
    rules_of: Vec<Vec<usize>>,
}

impl WholeFile {
    fn new(rules: &RuleSet) -> WholeFile {
        let mut whole = WholeFile::default();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        for (index, rule) in rules.rules.iter().enumerate() {
            if !rule.is_content() || rule.spec.scope != Scope::File {
                continue;
            }
            if rule.spec.keywords.is_empty() {
                whole.always.push(index);
            }
            for keyword in &rule.spec.keywords {
                let keyword = keyword.to_ascii_lowercase().into_bytes();
                match literals.iter().position(|l| *l == keyword) {
                    Some(i) => whole.rules_of[i].push(index),
                    None => {
                        literals.push(keyword);
                        whole.rules_of.push(vec![index]);
                    }
                }
            }
        }
        if !literals.is_empty() {
            // Overlapping, so a keyword inside another still counts.
            whole.keywords = Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&literals)
                    .expect("keywords are small literals"),
            );
        }
        whole
    }

    /// The rules to run on `hay`, in rule order.
    fn rules_for(&self, hay: &[u8]) -> Vec<usize> {
        let mut rules = self.always.clone();
        if let Some(keywords) = &self.keywords {
            for m in keywords.find_overlapping_iter(hay) {
                rules.extend(&self.rules_of[m.pattern().as_usize()]);
            }
        }
        rules.sort_unstable();
        rules.dedup();
        rules
    }
}

/// A trigger reached through a pattern hit: the trigger's own pattern lies at
/// `start..end` relative to the hit (itself, or a pattern found inside it).
#[derive(Debug, Clone, Copy)]
struct Hit {
    trigger: Trigger,
    start: usize,
    end: usize,
}

impl<'r> Matcher<'r> {
    pub fn new(rules: &'r RuleSet) -> Matcher<'r> {
        // Keywords are searched in a lower-cased copy of the buffer, so a header name
        // is found in any ASCII casing (`AUTHORIZATION`, `authoriZation`); encoded
        // forms (base64, escapes) are case-significant and searched as written.
        let mut folded: Vec<(Vec<u8>, Trigger)> = Vec::new();
        let mut exact: Vec<(Vec<u8>, Trigger)> = Vec::new();
        let windowed = |r: &Rule| r.is_content() && r.spec.scope == Scope::Window;
        for (index, rule) in rules.rules.iter().enumerate().filter(|(_, r)| windowed(r)) {
            let trigger = |channel, needs_escape_after| Trigger {
                rule: index,
                channel,
                needs_escape_after,
            };
            let escapes =
                rule.spec.encodings.contains(&Encoding::Percent) || rule.spec.encodings.contains(&Encoding::Escape);
            for keyword in &rule.spec.keywords {
                let keyword = keyword.as_bytes();
                folded.push((keyword.to_ascii_lowercase(), trigger(Channel::Plain, false)));
                if rule.spec.encodings.contains(&Encoding::Base64) {
                    for fragment in base64_fragments(keyword) {
                        exact.push((fragment, trigger(Channel::Base64, false)));
                    }
                }
                if rule.spec.encodings.contains(&Encoding::Base64) {
                    for pattern in layer_patterns(keyword) {
                        exact.push(pattern);
                    }
                }
                if escapes {
                    for first in escaped_first_byte(keyword[0]) {
                        exact.push((first, trigger(Channel::Escape, false)));
                    }
                    let stem = keyword.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
                    if stem >= 4 && stem < keyword.len() {
                        folded.push((keyword[..stem].to_ascii_lowercase(), trigger(Channel::Escape, true)));
                    }
                }
            }
        }
        let mut prefilters = Vec::new();
        let mut triggers = Vec::new();
        for (patterns, folding) in [(folded, Folding::Lower), (exact, Folding::None)] {
            let (literals, group_triggers) = group_patterns(patterns);
            // Case-sensitive leftmost-longest search is what lets aho-corasick use its
            // SIMD (Teddy) prefilter: three times the speed of its case-insensitive
            // search over a tree, lower-casing the copy included. Overlaps are covered
            // by `group_patterns`. Teddy holds at most 64 patterns; past that
            // aho-corasick falls back to its automaton, four times slower. So the
            // patterns are searched in groups of 64, each with its own SIMD pass.
            for (chunk, chunk_triggers) in literals
                .chunks(PREFILTER_GROUP)
                .zip(group_triggers.chunks(PREFILTER_GROUP))
            {
                let searcher = AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(chunk)
                    .expect("prefilter patterns are small literals");
                prefilters.push(Prefilter {
                    searcher,
                    first: triggers.len(),
                    folding,
                });
                triggers.extend(chunk_triggers.iter().cloned());
            }
        }
        Matcher {
            rules,
            inline: crate::engine::inline::Policy::default(),
            prefilters,
            triggers,
            whole: WholeFile::new(rules),
        }
    }

    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// Every match of every rule in `hay`, sorted by position, duplicates removed.
    pub fn find<'a>(&self, hay: &'a [u8]) -> Vec<RawMatch<'a>> {
        self.find_in_layer(hay, 0)
    }

    /// [`find`](Matcher::find) in a buffer `depth` layers of encoding deep.
    fn find_in_layer<'a>(&self, hay: &'a [u8], depth: usize) -> Vec<RawMatch<'a>> {
        // (rule, channel) -> hit positions, in ascending order.
        let mut hits: BTreeMap<(usize, Channel), Vec<usize>> = BTreeMap::new();
        // Lower-casing keeps every offset: ASCII letters only change in place.
        let mut lower: Option<Vec<u8>> = None;
        for prefilter in &self.prefilters {
            let searched = match prefilter.folding {
                Folding::None => hay,
                Folding::Lower => lower.get_or_insert_with(|| hay.to_ascii_lowercase()),
            };
            // Each search restarts one byte past the last hit's start, not at its
            // end: a keyword that begins inside another and runs past it
            // (`auth(` in `basic_auth(`) is found too.
            let mut from = 0;
            while let Some(m) = prefilter
                .searcher
                .find(aho_corasick::Input::new(searched).range(from..))
            {
                self.record(hay, &m, prefilter.first + m.pattern().as_usize(), &mut hits);
                from = m.start() + 1;
            }
        }
        let mut out = Vec::new();
        for ((rule_index, channel), mut positions) in hits {
            positions.sort_unstable();
            positions.dedup(); // a pattern inside another may be found by two groups
            if let Channel::Layer(layer) = channel {
                if depth < MAX_LAYERS {
                    self.find_layered(layer, hay, &positions, depth, &mut out);
                }
                continue;
            }
            let rule = &self.rules.rules[rule_index];
            match channel {
                Channel::Plain => find_plain(rule_index, rule, hay, &positions, &mut out),
                Channel::Escape => find_escaped(rule_index, rule, hay, &positions, &mut out),
                Channel::Base64 => find_base64(rule_index, rule, hay, &positions, &mut out),
                Channel::Layer(_) => {}
            }
        }
        for rule_index in self.whole.rules_for(hay) {
            find_in(rule_index, &self.rules.rules[rule_index], hay, 0..hay.len(), &mut out);
        }
        out.sort_by_key(|m| (m.span.start, m.rule, m.span.end));
        out.dedup_by(|a, b| a.rule == b.rule && a.span == b.span);
        out
    }

    /// Opens the `layer` runs at `positions` and searches what they hold, one layer
    /// deeper; each match found is placed at the whole run, its chain prefixed.
    fn find_layered<'a>(
        &self,
        layer: Layer,
        hay: &'a [u8],
        positions: &[usize],
        depth: usize,
        out: &mut Vec<RawMatch<'a>>,
    ) {
        let mut done_until = 0;
        for &p in positions {
            if p < done_until {
                continue; // inside a run already opened
            }
            let opened = match layer {
                Layer::Base64 => decode::open_base64_layer(hay, p, MAX_LAYER_BYTES),
                Layer::Hex => decode::open_hex_layer(hay, p, MAX_LAYER_BYTES),
            };
            let Some(opened) = opened else { continue };
            done_until = opened.span.end;
            for m in self.find_in_layer(&opened.bytes, depth + 1) {
                // A key written plainly inside one base64 layer is the base64
                // channel's to report, at its exact place.
                if m.encoding.is_empty() && opened.chain == [Encoding::Base64] {
                    continue;
                }
                let mut encoding = opened.chain.clone();
                encoding.extend(m.encoding);
                out.push(RawMatch {
                    rule: m.rule,
                    span: opened.span.clone(),
                    secret: Cow::Owned(m.secret.into_owned()),
                    public_len: m.public_len,
                    properties: m.properties,
                    encoding,
                    match_start: None,
                });
            }
        }
    }

    /// Notes where pattern `pattern`'s hit `m` asks each of its rules to look.
    fn record(
        &self,
        hay: &[u8],
        m: &aho_corasick::Match,
        pattern: usize,
        hits: &mut BTreeMap<(usize, Channel), Vec<usize>>,
    ) {
        for hit in &self.triggers[pattern] {
            let t = hit.trigger;
            if t.needs_escape_after && !matches!(hay.get(m.start() + hit.end), Some(b'%' | b'\\' | b'&')) {
                continue;
            }
            let positions = hits.entry((t.rule, t.channel)).or_default();
            let at = m.start() + hit.start;
            if positions.last() != Some(&at) {
                positions.push(at);
            }
        }
    }
}

/// Deduplicates patterns and gives each the triggers of every pattern it contains: a
/// leftmost-longest search reports only the longest pattern at a place, so a shorter
/// one inside it ("wayscloud" in "wayscloud_") must ride along.
fn group_patterns(patterns: Vec<(Vec<u8>, Trigger)>) -> (Vec<Vec<u8>>, Vec<Vec<Hit>>) {
    let mut literals: Vec<Vec<u8>> = Vec::new();
    let mut own: Vec<Vec<Trigger>> = Vec::new();
    for (pattern, trigger) in patterns {
        match literals.iter().position(|p| *p == pattern) {
            Some(i) => own[i].push(trigger),
            None => {
                literals.push(pattern);
                own.push(vec![trigger]);
            }
        }
    }
    let triggers = literals
        .iter()
        .map(|outer| {
            let mut hits = Vec::new();
            for (inner, inner_triggers) in literals.iter().zip(&own) {
                let found = (0..=outer.len().saturating_sub(inner.len())).filter(|&at| outer[at..].starts_with(inner));
                for at in found {
                    hits.extend(inner_triggers.iter().map(|&trigger| Hit {
                        trigger,
                        start: at,
                        end: at + inner.len(),
                    }));
                }
            }
            hits
        })
        .collect();
    (literals, triggers)
}

/// Windows of `radius` bytes around each position, merged where they overlap.
fn windows(positions: &[usize], radius: usize, len: usize) -> Vec<Range<usize>> {
    let mut merged: Vec<Range<usize>> = Vec::new();
    for &p in positions {
        let w = p.saturating_sub(radius)..(p + radius).min(len);
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    merged
}

fn find_plain<'a>(index: usize, rule: &Rule, hay: &'a [u8], positions: &[usize], out: &mut Vec<RawMatch<'a>>) {
    for w in windows(positions, rule.spec.window, hay.len()) {
        find_in(index, rule, hay, w.clone(), out);
        find_joined(index, rule, hay, w, out);
    }
}

/// The rule's matches in `hay[w]` once split literals are joined (`"wayscloud_…" +
/// "…"`), reported from the first fragment to the last. Only matches that cross a
/// join: the others are the plain ones.
fn find_joined<'a>(index: usize, rule: &Rule, hay: &'a [u8], w: Range<usize>, out: &mut Vec<RawMatch<'a>>) {
    let Some(text) = decode::join_literals(hay, w) else {
        return;
    };
    for caps in rule.regex.captures_iter(&text.bytes) {
        let Some(c) = Candidate::accept(rule, &caps, &text.bytes) else {
            continue;
        };
        let span = text.source[c.secret.start]..text.source[c.secret.end - 1] + 1;
        if span.len() == c.secret.len() {
            continue;
        }
        let secret = text.bytes[c.secret.clone()].to_vec();
        out.push(c.into_match(index, span, Cow::Owned(secret), vec![Encoding::Joined]));
    }
}

/// The rule's matches inside `hay[w]`, as written.
fn find_in<'a>(index: usize, rule: &Rule, hay: &'a [u8], w: Range<usize>, out: &mut Vec<RawMatch<'a>>) {
    for caps in rule.regex.captures_iter(&hay[w.clone()]) {
        if let Some(c) = Candidate::accept(rule, &caps, &hay[w.clone()]) {
            let span = w.start + c.secret.start..w.start + c.secret.end;
            let secret = Cow::Borrowed(&hay[span.clone()]);
            let mut found = c.into_match(index, span, secret, Vec::new());
            if rule.spec.report_match_start {
                // gitleaks counts a line break as part of the line after it: a match
                // that starts with one starts on the next line.
                // (A match of line breaks alone stays on its last one.)
                found.match_start = caps.get(0).map(|m| {
                    let first = Span::of(m, true).start();
                    w.start + first.min(m.end().saturating_sub(1)).max(m.start())
                });
            }
            out.push(found);
        }
    }
}

fn find_escaped<'a>(index: usize, rule: &Rule, hay: &'a [u8], positions: &[usize], out: &mut Vec<RawMatch<'a>>) {
    for w in windows(positions, rule.spec.window, hay.len()) {
        let Some(text) = decode::unescape(hay, w) else { continue };
        for caps in rule.regex.captures_iter(&text.bytes) {
            let Some(c) = Candidate::accept(rule, &caps, &text.bytes) else {
                continue;
            };
            let span = text.source[c.secret.start]..text.source[c.secret.end];
            if span.len() == c.secret.len() {
                continue; // written without escapes: the plain channel reports it
            }
            let written = &hay[span.clone()];
            let encoding = if written.contains(&b'%') {
                Encoding::Percent
            } else if written.windows(2).any(|w| w == b"&#") {
                Encoding::Html
            } else {
                Encoding::Escape
            };
            let secret = text.bytes[c.secret.clone()].to_vec();
            out.push(c.into_match(index, span, Cow::Owned(secret), vec![encoding]));
        }
    }
}

fn find_base64<'a>(index: usize, rule: &Rule, hay: &'a [u8], positions: &[usize], out: &mut Vec<RawMatch<'a>>) {
    let mut done_until = 0;
    for &p in positions {
        if p < done_until {
            continue; // inside a run already decoded
        }
        let run = decode::base64_run(hay, p);
        // Wrapped over lines (MIME, PEM, a YAML block): decoded without the breaks,
        // each decoded byte mapped back to where it is written.
        let wrapped = decode::wrapped_base64(hay, run.clone());
        let (text, range) = match &wrapped {
            Some(w) => (&w.bytes[..], 0..w.bytes.len()),
            None => (hay, run.clone()),
        };
        let source = |at: usize| wrapped.as_ref().map_or(at, |w| w.source[at]);
        done_until = source(range.end - 1) + 1;
        // The run may start with bytes glued to the encoding; try each alignment.
        for skip in 0..4 {
            let Some((decoded, origin)) = decode::decode_base64(text, range.clone(), skip) else {
                break;
            };
            let before = out.len();
            for caps in rule.regex.captures_iter(&decoded) {
                let Some(c) = Candidate::accept(rule, &caps, &decoded) else {
                    continue;
                };
                let start = decode::base64_source_offset(origin, c.secret.start);
                let end = decode::base64_source_end(origin, c.secret.end).min(range.end);
                let span = source(start)..source(end - 1) + 1;
                let secret = decoded[c.secret.clone()].to_vec();
                out.push(c.into_match(index, span, Cow::Owned(secret), vec![Encoding::Base64]));
            }
            if out.len() > before {
                break;
            }
        }
    }
}

/// The whole lines `range` of `hay` touches, without their line breaks.
fn lines_around(hay: &[u8], range: Range<usize>) -> &[u8] {
    let start = memchr::memrchr(b'\n', &hay[..range.start]).map_or(0, |at| at + 1);
    // A match that ends with its line break does not reach into the next line.
    let last = range.end.saturating_sub(1).max(range.start);
    let end = memchr::memchr(b'\n', &hay[last..]).map_or(hay.len(), |at| last + at);
    &hay[start..end.max(start)]
}

/// A group's text and where it is, with newlines at either end dropped when the
/// rule says so (`trim_newlines`, as gitleaks trims every match).
struct Span<'h> {
    bytes: &'h [u8],
    range: Range<usize>,
}

impl<'h> Span<'h> {
    fn of(m: regex::bytes::Match<'h>, trim_newlines: bool) -> Span<'h> {
        let mut bytes = m.as_bytes();
        let mut start = m.start();
        if trim_newlines {
            while let [b'\n', rest @ ..] = bytes {
                bytes = rest;
                start += 1;
            }
            while let [rest @ .., b'\n'] = bytes {
                bytes = rest;
            }
        }
        Span {
            bytes,
            range: start..start + bytes.len(),
        }
    }

    fn as_bytes(&self) -> &'h [u8] {
        self.bytes
    }

    fn start(&self) -> usize {
        self.range.start
    }

    fn end(&self) -> usize {
        self.range.end
    }
}

/// A regex match that passed the rule's filters, with spans relative to the text the
/// regex ran on.
struct Candidate {
    secret: Range<usize>,
    public_len: usize,
    properties: crate::model::Properties,
}

impl Candidate {
    /// Applies the rule's placeholder and entropy filters to one regex match in
    /// `hay` (the text the regex ran on).
    fn accept(rule: &Rule, caps: &Captures, hay: &[u8]) -> Option<Candidate> {
        let secret = Span::of(rule.secret_group.get(caps)?, rule.spec.trim_newlines);
        // What the entropy floor and the mixed-case check look at.
        let measured = rule
            .entropy_group
            .get(caps)
            .map_or(&[][..], |m| Span::of(m, rule.spec.trim_newlines).bytes);
        if rule.spec.min_entropy.is_some() || rule.spec.entropy_above.is_some() {
            let entropy = shannon_entropy(measured);
            if rule.spec.min_entropy.is_some_and(|min| entropy < min)
                || rule.spec.entropy_above.is_some_and(|floor| entropy <= floor)
            {
                return None;
            }
        }
        if rule.placeholders.iter().any(|p| p.is_match(secret.as_bytes())) {
            return None;
        }
        if !rule.match_placeholders.is_empty() || !rule.line_placeholders.is_empty() {
            let whole = caps.get(0)?;
            let matched = Span::of(whole, rule.spec.trim_newlines).bytes;
            if rule.match_placeholders.iter().any(|p| p.is_match(matched)) {
                return None;
            }
            let lines = lines_around(hay, whole.range());
            if rule.line_placeholders.iter().any(|p| p.is_match(lines)) {
                return None;
            }
        }
        for (group, patterns) in &rule.group_placeholders {
            if let Some(text) = group.get(caps) {
                if patterns.iter().any(|p| p.is_match(text.as_bytes())) {
                    return None;
                }
            }
        }
        let scheme = rule
            .scheme_group
            .as_ref()
            .and_then(|g| g.get(caps))
            .map(|m| m.as_bytes());
        for check in &rule.spec.checks {
            let passed = match check {
                // Basic values, and values of any other scheme that decode to a
                // `user:password` pair (`Custom dXNlcjpwYXNzd29yZA`).
                Check::BasicCredential => {
                    let basic = scheme.is_some_and(|s| s.eq_ignore_ascii_case(b"basic"));
                    !(basic || checks::is_encoded_pair(secret.as_bytes()))
                        || checks::basic_credential(secret.as_bytes())
                }
                Check::TestCredential => !testcred::is_test_token(secret.as_bytes()),
                Check::UserPassword => {
                    let user = rule.user_group.as_ref().and_then(|g| g.get(caps));
                    let user = String::from_utf8_lossy(user.map_or(&[][..], |m| m.as_bytes()));
                    checks::real_password(&user, &String::from_utf8_lossy(secret.as_bytes()))
                }
                Check::MixedCase => {
                    measured.iter().any(u8::is_ascii_uppercase) && measured.iter().any(u8::is_ascii_lowercase)
                }
            };
            if !passed {
                return None;
            }
        }
        let public_len = rule
            .public_group
            .as_ref()
            .and_then(|g| g.get(caps))
            .filter(|p| p.start() == secret.start() && p.end() <= secret.end())
            .map_or(0, |p| p.len());
        let properties = rule
            .property_groups
            .iter()
            .filter_map(|(name, g)| {
                let m = g.get(caps)?;
                Some((name.clone(), String::from_utf8_lossy(m.as_bytes()).into_owned()))
            })
            .collect();
        Some(Candidate {
            secret: secret.range,
            public_len,
            properties,
        })
    }

    fn into_match<'a>(
        self,
        rule: usize,
        span: Range<usize>,
        secret: Cow<'a, [u8]>,
        encoding: Vec<Encoding>,
    ) -> RawMatch<'a> {
        RawMatch {
            rule,
            span,
            secret,
            public_len: self.public_len,
            properties: self.properties,
            encoding,
            match_start: None,
        }
    }
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The parts of the base64 encoding of `keyword` that do not depend on the bytes
/// around it, for each of the three alignments it can have in the encoded stream.
fn base64_fragments(keyword: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for shift in 0..3usize {
        let mut raw = vec![0u8; shift];
        raw.extend_from_slice(keyword);
        let encoded = STANDARD_NO_PAD.encode(&raw);
        // Character i holds bits [6i, 6i+6); the keyword owns bits [8*shift, 8*len).
        let first = (8 * shift).div_ceil(6);
        let last = (8 * raw.len()) / 6;
        if last > first + 4 {
            let fragment = encoded.as_bytes()[first..last].to_vec();
            let url_safe: Vec<u8> = fragment
                .iter()
                .map(|&b| match b {
                    b'+' => b'-',
                    b'/' => b'_',
                    b => b,
                })
                .collect();
            if url_safe != fragment {
                out.push(url_safe);
            }
            out.push(fragment);
        }
    }
    out
}

/// Prefilter patterns for the layers that can hold `keyword`: base64 of its base64
/// (a docker `auth` inside a Kubernetes Secret), base64 of its UTF-16LE (PowerShell's
/// `-EncodedCommand`), its hex, and base64 of gzip, which hides any keyword (a Helm
/// release): gzip's magic bytes, once and twice base64-encoded.
fn layer_patterns(keyword: &[u8]) -> Vec<(Vec<u8>, Trigger)> {
    let trigger = |layer| Trigger {
        rule: ANY_RULE,
        channel: Channel::Layer(layer),
        needs_escape_after: false,
    };
    let mut base64_layers: Vec<Vec<u8>> = vec![b"H4sI".to_vec()];
    base64_layers.extend(base64_fragments(b"H4sI"));
    for fragment in base64_fragments(keyword) {
        base64_layers.extend(base64_fragments(&fragment));
    }
    let utf16: Vec<u8> = keyword.iter().flat_map(|&b| [b, 0]).collect();
    base64_layers.extend(base64_fragments(&utf16));
    let hex: String = keyword.iter().map(|b| format!("{b:02x}")).collect();
    let mut out: Vec<(Vec<u8>, Trigger)> = base64_layers.into_iter().map(|p| (p, trigger(Layer::Base64))).collect();
    out.push((hex.clone().into_bytes(), trigger(Layer::Hex)));
    out.push((hex.to_ascii_uppercase().into_bytes(), trigger(Layer::Hex)));
    out
}

/// The first byte of a keyword written as a JSON, C, URL or HTML escape, in lower-
/// and upper-case hex (and decimal for HTML).
fn escaped_first_byte(b: u8) -> Vec<Vec<u8>> {
    let mut out = vec![format!("&#{b};").into_bytes(), format!("&#x{b:x};").into_bytes()];
    if format!("{b:x}") != format!("{b:X}") {
        out.push(format!("&#x{b:X};").into_bytes());
    }
    for (prefix, hex) in [
        ("\\u", format!("{b:04x}")),
        ("\\x", format!("{b:02x}")),
        ("%", format!("{b:02x}")),
    ] {
        out.push(format!("{prefix}{hex}").into_bytes());
        let upper = hex.to_ascii_uppercase();
        if upper != hex {
            out.push(format!("{prefix}{upper}").into_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_authorization;
