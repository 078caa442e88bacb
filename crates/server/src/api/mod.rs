//! The HTTP layer, one module per resource. Handlers are thin: they parse
//! and check the request, call the store or a service
//! ([`crate::decision`], [`crate::lifecycle`]) and answer with a type of
//! [`wire`] or of their own module, each with its schema in
//! `/openapi.json`.

pub mod agent_link;
pub mod agent_tasks;
pub mod agents;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod computers;
pub mod dashboard;
pub mod decide;
pub mod detectors;
pub mod enrolment;
pub mod exceptions;
pub mod incidents;
pub mod inspect;
pub mod keys;
pub mod me;
pub mod ops;
pub mod plugins;
pub mod policies;
pub mod roles;
pub mod shadows;
pub mod shares;
pub mod twofactor;
pub mod users;
pub mod wire;
