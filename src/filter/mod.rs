//! Filters that drop findings the user has accepted. Pure functions over the scanned
//! bytes and the finding's span.

pub mod inline;
