//! Job leases: of servers racing for a job exactly one wins; the lease
//! passes on when it ends; only the holder of this taking renews or
//! releases it.

use std::sync::Arc;

use cordon_store::*;

use crate::both::{Env, T0, on_both_backends};

on_both_backends!(one_server_wins_a_job);

/// Sixteen holders (eight tasks on each of two store handles) try to take
/// `job` at `now` together: the leases they got.
async fn race(stores: &[Arc<dyn Store>], job: &str, now: Millis, round: usize) -> Vec<Lease> {
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for k in 0..16 {
        let store = stores[k % 2].clone();
        let barrier = barrier.clone();
        let job = job.to_owned();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .try_lease(&job, &format!("r{round}-s{k}"), now, 30_000)
                .await
                .unwrap()
        }));
    }
    let mut won = Vec::new();
    for t in tasks {
        won.extend(t.await.unwrap());
    }
    won
}

async fn one_server_wins_a_job(env: &Env) {
    let stores = [env.store.clone(), env.another().await];
    let s = env.s();
    assert_eq!(s.job_state("crawl").await.unwrap(), None);

    // Nobody holds it: one of sixteen gets it.
    let won = race(&stores, "crawl", T0, 1).await;
    assert_eq!(won.len(), 1, "{won:?}");
    let first = won[0].clone();
    assert_eq!((first.version, first.until), (1, T0 + 30_000));
    // Held: nobody else, up to the last millisecond.
    assert!(race(&stores, "crawl", T0 + 29_999, 2).await.is_empty());
    // Ended: again exactly one.
    let won = race(&stores, "crawl", T0 + 30_000, 3).await;
    assert_eq!(won.len(), 1, "{won:?}");
    let second = won[0].clone();
    assert_ne!(second.holder, first.holder);
    assert_eq!(second.version, 2);

    // The first holder lost it: cannot renew or release the second's.
    assert!(!s.renew_lease(&first, T0 + 31_000, 30_000).await.unwrap());
    s.release_lease(&first, T0 + 31_000, "late").await.unwrap();
    let st = s.job_state("crawl").await.unwrap().unwrap();
    assert_eq!(
        (st.holder.as_str(), st.until, st.version, st.outcome),
        (second.holder.as_str(), T0 + 60_000, 2, None)
    );
    // The holder renews, and keeps it past the first lease's end.
    assert!(s.renew_lease(&second, T0 + 50_000, 30_000).await.unwrap());
    assert!(
        s.try_lease("crawl", "other", T0 + 70_000, 30_000)
            .await
            .unwrap()
            .is_none()
    );
    // Its own again: a new taking.
    let third = s
        .try_lease("crawl", &second.holder, T0 + 70_000, 30_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.version, 3);
    assert!(!s.renew_lease(&second, T0 + 71_000, 30_000).await.unwrap());

    // Released: the outcome recorded, free at once.
    s.release_lease(&third, T0 + 75_000, "ok: 12 shares")
        .await
        .unwrap();
    let st = s.job_state("crawl").await.unwrap().unwrap();
    assert_eq!(
        st,
        JobState {
            job: "crawl".into(),
            holder: second.holder.clone(),
            until: T0 + 75_000,
            version: 3,
            last_started: T0 + 70_000,
            last_finished: Some(T0 + 75_000),
            outcome: Some("ok: 12 shares".into()),
        }
    );
    let next = s
        .try_lease("crawl", "other", T0 + 75_000, 30_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((next.version, next.holder.as_str()), (4, "other"));
    let st = s.job_state("crawl").await.unwrap().unwrap();
    assert_eq!(
        (st.last_started, st.last_finished, st.outcome.as_deref()),
        (T0 + 75_000, Some(T0 + 75_000), Some("ok: 12 shares")),
        "the last run's end stays until this one ends"
    );
    // Jobs are independent.
    assert!(
        s.try_lease("digest", "other", T0, 1000)
            .await
            .unwrap()
            .is_some()
    );
    stores[1].close().await;
}
