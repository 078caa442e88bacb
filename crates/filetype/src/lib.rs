//! cordon-filetype
