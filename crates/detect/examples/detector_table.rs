//! Prints the detector table of docs/detectors.md (Markdown).
//!
//! cargo run -p cordon-detect --example detector_table

fn main() {
    println!("| id | category | validator | context needed | example |");
    println!("|---|---|---|---|---|");
    for d in cordon_detect::detectors() {
        println!(
            "| `{}` | {} | {} | {} | `{}` |",
            d.id,
            d.category,
            d.validator.unwrap_or("—"),
            if d.needs_context { "yes" } else { "no" },
            d.example.replace('|', "\\|")
        );
    }
}
