//! cordon-inspect
