//! Imports from other scanners: what a team already wrote for gitleaks (rules,
//! allowlists, accepted findings) carried over to wayscan's files.

pub mod gitleaks;
pub mod gitleaksignore;
