//! End-to-end tests of the `cordon` binary: real files in, real process out.

mod scan;
