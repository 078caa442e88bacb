//! The share inventory: registered, replaced, paged by a keyset cursor in
//! one order on both backends, removed and forgotten; crawl runs.

use cordon_store::*;
use serde_json::json;

use crate::both::{Env, T0, invalid, not_found, on_both_backends};

on_both_backends!(shares_and_crawl_runs);

fn share(app: &str, id: &str) -> NewShare {
    NewShare {
        app: app.into(),
        share_id: id.into(),
        path: format!("/{app}/{id}"),
        public: false,
        users: vec!["alice".into()],
        groups: vec![],
        owner: "bob".into(),
        files: json!([{"name": "a.xlsx", "size": 10, "categories": ["PII"]}]),
    }
}

fn keys(v: &[Share]) -> Vec<(String, String)> {
    v.iter()
        .map(|s| (s.share.app.clone(), s.share.share_id.clone()))
        .collect()
}

async fn shares_and_crawl_runs(env: &Env) {
    let s = env.s();
    // Bytewise order: upper case before lower case, whatever the
    // database's locale says.
    let all = [
        ("drive", "B"),
        ("drive", "a"),
        ("drive", "b"),
        ("files", "Z"),
        ("files", "x"),
    ];
    for (i, (app, id)) in all.iter().rev().enumerate() {
        let st = s
            .put_share(&share(app, id), T0 + i64::try_from(i).unwrap())
            .await
            .unwrap();
        assert_eq!(st.removed_at, None);
    }
    let want: Vec<(String, String)> = all
        .iter()
        .map(|(a, i)| (a.to_string(), i.to_string()))
        .collect();
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_shares(after.clone(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = keys(&page).last().cloned();
        paged.extend(keys(&page));
    }
    assert_eq!(paged, want);
    assert_eq!(s.count_shares().await.unwrap(), 5);

    // Replaced: what the app sent now, created when first registered.
    let first = s.get_share("drive", "a").await.unwrap();
    let mut changed = share("drive", "a");
    changed.public = true;
    changed.groups = vec!["sales".into()];
    changed.files = json!([]);
    let st = s.put_share(&changed, T0 + 100).await.unwrap();
    assert_eq!(
        (st.share.clone(), st.created_at, st.updated_at),
        (changed.clone(), first.created_at, T0 + 100)
    );
    assert_eq!(s.get_share("drive", "a").await.unwrap(), st);

    // Removed: kept, not listed; registered again, live again.
    s.mark_share_removed("drive", "a", T0 + 200).await.unwrap();
    s.mark_share_removed("drive", "a", T0 + 300).await.unwrap();
    assert_eq!(
        s.get_share("drive", "a").await.unwrap().removed_at,
        Some(T0 + 200)
    );
    assert_eq!(s.count_shares().await.unwrap(), 4);
    let live = keys(&s.list_shares(None, 100).await.unwrap());
    assert!(!live.contains(&("drive".into(), "a".into())));
    let back = s.put_share(&changed, T0 + 400).await.unwrap();
    assert_eq!(back.removed_at, None);
    assert_eq!(s.count_shares().await.unwrap(), 5);

    // Forgotten.
    s.delete_share("files", "x", T0 + 500).await.unwrap();
    not_found(s.get_share("files", "x").await);
    not_found(s.delete_share("files", "x", T0 + 500).await);
    not_found(s.mark_share_removed("files", "x", T0 + 500).await);
    assert_eq!(s.count_shares().await.unwrap(), 4);
    invalid(s.put_share(&share("", "x"), T0).await);

    // Crawl runs.
    let r1 = s
        .start_crawl("server-1", CrawlMode::DryRun, T0)
        .await
        .unwrap();
    let r2 = s
        .start_crawl("server-2", CrawlMode::Enforce, T0 + 10)
        .await
        .unwrap();
    let running = s.get_crawl(r2).await.unwrap();
    assert_eq!(
        (
            running.finished_at,
            running.report.clone(),
            running.mode,
            running.checked
        ),
        (None, None, CrawlMode::Enforce, 0)
    );
    let report = json!({"violations": [{"app": "drive", "share": "a", "why": "public PII"}]});
    s.finish_crawl(r1, 5, 1, &report, None, T0 + 20)
        .await
        .unwrap();
    s.finish_crawl(r2, 2, 0, &json!({}), Some("app `files` timed out"), T0 + 30)
        .await
        .unwrap();
    invalid(s.finish_crawl(r1, 5, 1, &report, None, T0 + 40).await);
    not_found(s.finish_crawl(999, 0, 0, &report, None, T0).await);
    not_found(s.get_crawl(999).await);
    let runs = s.list_crawls(10).await.unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [r2, r1]);
    assert_eq!(
        runs[1],
        CrawlRun {
            id: r1,
            started_at: T0,
            finished_at: Some(T0 + 20),
            holder: "server-1".into(),
            mode: CrawlMode::DryRun,
            checked: 5,
            violations: 1,
            report: Some(report),
            error: None,
        }
    );
    assert_eq!(runs[0].error.as_deref(), Some("app `files` timed out"));
    assert_eq!(s.list_crawls(1).await.unwrap().len(), 1);
}
