//! End-to-end tests of the `cordon` binary: real files in, real process out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agent_passphrase;
mod architecture;
mod console;
mod device_control;
mod scan;
mod unseal;
