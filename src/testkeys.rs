//! Deterministic, never-issued WAYSCloud-shaped keys for tests and benchmarks, so no
//! test file has to hold a key literal.

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// splitmix64: a tiny, well-mixed generator; the same seed gives the same key.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A key `wayscloud_{service}_{8 hex}_{40 alphanumerics}` derived from `seed`.
pub fn fake_key(service: &str, seed: u64) -> String {
    let mut state = seed;
    let key_id: String = (0..8)
        .map(|_| char::from(b"0123456789abcdef"[(next(&mut state) % 16) as usize]))
        .collect();
    let secret: String = (0..40)
        .map(|_| char::from(ALNUM[(next(&mut state) % ALNUM.len() as u64) as usize]))
        .collect();
    format!("wayscloud_{service}_{key_id}_{secret}")
}

/// A token `wayscloud_{prefix}_{10 alphanumerics}_{56 letters, digits, - and _}`
/// derived from `seed`: the shape of personal access tokens (`pat`) and account API
/// keys (`api`) in WAYSCloud's docs.
pub fn fake_family_token(prefix: &str, seed: u64) -> String {
    const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut state = seed ^ 0xFA_0111;
    let key_id: String = (0..10)
        .map(|_| char::from(ALNUM[(next(&mut state) % ALNUM.len() as u64) as usize]))
        .collect();
    let secret: String = (0..56)
        .map(|_| char::from(URL_SAFE[(next(&mut state) % URL_SAFE.len() as u64) as usize]))
        .collect();
    format!("wayscloud_{prefix}_{key_id}_{secret}")
}

/// The key id part of a key made by [`fake_key`] or [`fake_family_token`].
pub fn key_id(key: &str) -> &str {
    key.split('_').nth(2).unwrap_or("")
}

/// A 32-character alphanumeric bearer token derived from `seed`.
pub fn fake_token(seed: u64) -> String {
    let mut state = seed ^ 0x5EED_0F70_6BE2;
    (0..32)
        .map(|_| char::from(ALNUM[(next(&mut state) % ALNUM.len() as u64) as usize]))
        .collect()
}

/// `len` characters of `alphabet` derived from `seed`: secrets of other shapes (a
/// gitleaks rule's), never issued by anyone.
pub fn fake_chars(seed: u64, len: usize, alphabet: &str) -> String {
    let alphabet = alphabet.as_bytes();
    let mut state = seed ^ 0xC4A2_5E11;
    (0..len)
        .map(|_| char::from(alphabet[(next(&mut state) % alphabet.len() as u64) as usize]))
        .collect()
}
