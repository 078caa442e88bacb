//! Device-access decisions against 1,000 policies (filled in below).
fn main() {}
