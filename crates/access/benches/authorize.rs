//! What the permission check costs per request: the route check (a
//! module and action against the role) and the object check (owner and
//! targets against the scope), for a scoped and an unscoped subject.

use cordon_access::{Action, Module, Object, Owner, Role, Scope, Subject, Targets, authorize};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn subject(role: &str, scope: Scope) -> Subject {
    Subject {
        id: "a1b2c3d4e5f60718".into(),
        role: Role::builtin(role).unwrap_or_else(Role::administrator),
        scope,
        super_admin: false,
    }
}

fn bench(c: &mut Criterion) {
    let admin = subject(Role::ADMINISTRATOR, Scope::All);
    let tech = subject(
        Role::TECHNICIAN,
        Scope::groups((1..=20).map(|i| format!("group-{i}"))),
    );
    let owner = Owner::Account("someone-else".into());
    let targets = Targets::groups(["group-3", "group-17", "group-19"]);
    let mut g = c.benchmark_group("authorize");
    g.bench_function("route check", |b| {
        b.iter(|| {
            authorize(
                black_box(&tech),
                Action::Modify,
                Object::Module(Module::Policies),
            )
        })
    });
    g.bench_function("object, all computers", |b| {
        b.iter(|| {
            authorize(
                black_box(&admin),
                Action::Modify,
                Object::Item {
                    module: Module::Policies,
                    owner: &owner,
                    targets: &targets,
                },
            )
        })
    });
    g.bench_function("object, 20 groups, 3 targets", |b| {
        b.iter(|| {
            authorize(
                black_box(&tech),
                Action::View,
                Object::Item {
                    module: Module::Policies,
                    owner: &owner,
                    targets: &targets,
                },
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
