//! cordon-detect
