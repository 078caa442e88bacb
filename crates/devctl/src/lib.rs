//! cordon-devctl
