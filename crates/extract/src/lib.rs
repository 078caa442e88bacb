//! cordon-extract
