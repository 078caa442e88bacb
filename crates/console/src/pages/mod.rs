//! One module per section of the console.

pub mod account;
pub mod admin;
pub mod agents;
pub mod alerts;
pub mod audit;
pub mod baseline;
pub mod crawler;
pub mod dashboard;
pub mod detectors;
pub mod incidents;
pub mod login;
pub mod policies;
