//! Response plug-in packages: installed, upgraded, listed without their
//! bytes, read back whole, uninstalled.

use cordon_store::*;
use serde_json::json;
use sha2::Digest as _;

use crate::both::{Env, T0, admin_actor, invalid, not_found, on_both_backends};

on_both_backends!(plugins_install_upgrade_uninstall);

fn plugin(name: &str, version: &str, package: Vec<u8>) -> NewPlugin {
    NewPlugin {
        name: name.into(),
        version: version.into(),
        manifest: json!({"name": name, "version": version, "events": ["incident"]}),
        sha256: hex::encode(sha2::Sha256::digest(&package)),
        package,
    }
}

async fn plugins_install_upgrade_uninstall(env: &Env) {
    let s = env.s();
    let actor = admin_actor();
    // Every byte value, and more than a page.
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 256) as u8).collect();
    let q = plugin("quarantine", "1.0.0", bytes.clone());
    let row = s.install_plugin(&q, &actor, T0).await.unwrap();
    assert_eq!(
        row,
        PluginRow {
            name: "quarantine".into(),
            version: "1.0.0".into(),
            manifest: q.manifest.clone(),
            sha256: q.sha256.clone(),
            size: 70_000,
            installed_at: T0,
            installed_by: actor.clone(),
        }
    );
    s.install_plugin(
        &plugin("notify", "0.1.0", b"n".to_vec()),
        &Actor::System,
        T0,
    )
    .await
    .unwrap();
    let (got, package) = s.plugin_package("quarantine").await.unwrap();
    assert_eq!((got, package), (row.clone(), bytes));
    let names: Vec<_> = s
        .list_plugins()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["notify", "quarantine"]);

    // An upgrade replaces it.
    let up = plugin("quarantine", "1.1.0", b"v2".to_vec());
    let row2 = s.install_plugin(&up, &Actor::System, T0 + 1).await.unwrap();
    assert_eq!(
        (row2.version.as_str(), row2.size, row2.installed_at),
        ("1.1.0", 2, T0 + 1)
    );
    assert_eq!(s.get_plugin("quarantine").await.unwrap(), row2);
    assert_eq!(s.plugin_package("quarantine").await.unwrap().1, b"v2");
    assert_eq!(s.list_plugins().await.unwrap().len(), 2);

    // A package that is not the one its hash names.
    let mut bad = plugin("evil", "1", b"real".to_vec());
    bad.package = b"swapped".to_vec();
    invalid(s.install_plugin(&bad, &actor, T0).await);
    invalid(s.install_plugin(&plugin("", "1", vec![]), &actor, T0).await);
    not_found(s.get_plugin("evil").await);

    assert_eq!(s.uninstall_plugin("quarantine").await.unwrap(), row2);
    not_found(s.uninstall_plugin("quarantine").await);
    not_found(s.get_plugin("quarantine").await);
    not_found(s.plugin_package("quarantine").await);
    assert_eq!(s.list_plugins().await.unwrap().len(), 1);
}
