//! The non-secret facts a finding carries (`service`, `key_id`, `header`...): a
//! handful of pairs, kept in a sorted vector. A `BTreeMap` allocates a node of
//! eleven slots for them, about 540 bytes, a quarter of what a finding cost; the
//! vector holds three pairs in 144.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Name-value pairs, sorted by name, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties(Vec<(String, String)>);

impl Properties {
    pub fn new() -> Properties {
        Properties(Vec::new())
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Sets `name` to `value`, replacing an earlier value.
    pub fn insert(&mut self, name: String, value: String) {
        match self.find(&name) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    /// Keeps the pairs `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.0.retain(|(name, value)| keep(name, value));
    }

    /// The pairs, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(name, value)| (name, value))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }
}

impl std::ops::Index<&str> for Properties {
    type Output = String;

    fn index(&self, name: &str) -> &String {
        self.get(name).unwrap_or_else(|| panic!("no property {name:?}"))
    }
}

impl FromIterator<(String, String)> for Properties {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Properties {
        let mut properties = Properties::new();
        for (name, value) in pairs {
            properties.insert(name, value);
        }
        properties
    }
}

/// As a JSON object, in name order (what a `BTreeMap` gave).
impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_stay_sorted_and_unique() {
        let mut p = Properties::new();
        p.insert("service".into(), "dns".into());
        p.insert("key_id".into(), "1".into());
        p.insert("key_id".into(), "2".into());
        assert_eq!(p.len(), 2);
        assert_eq!(p["key_id"], "2");
        assert_eq!(p.get("nope"), None);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"key_id":"2","service":"dns"}"#);
    }
}
