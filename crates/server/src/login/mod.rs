//! Sign-in for people.

pub mod settings;
