//! The inode table: FUSE inode numbers for what the kernel has looked up.
//!
//! A directory node holds an `O_PATH` descriptor of the real directory on
//! the medium, so every operation is `*at(dir, name)` relative to it: no
//! path is ever resolved again, a renamed directory keeps working, and a
//! symbolic link on the medium can never lead the gate outside it. A file
//! node is its parent and its name. Inode numbers are never reused, so the
//! generation is always 0.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::Arc;

use crate::held::Held;

pub const ROOT: u64 = 1;

#[derive(Debug)]
pub enum Kind {
    Dir(Arc<OwnedFd>),
    File,
    Symlink,
    Other,
}

#[derive(Debug)]
pub struct Node {
    pub parent: u64,
    pub name: OsString,
    pub kind: Kind,
    /// Lookups the kernel holds (forget subtracts them).
    pub lookups: u64,
    /// The file is being written through the gate (or is waiting for its
    /// decision); its bytes are in the staging file, not on the medium.
    pub held: Option<Arc<Held>>,
    /// Open handles on the node: it is kept while any is open.
    pub open: u32,
}

#[derive(Debug)]
pub struct Nodes {
    nodes: HashMap<u64, Node>,
    by_name: HashMap<(u64, OsString), u64>,
    next: u64,
}

impl Nodes {
    pub fn new(root: OwnedFd) -> Nodes {
        let mut nodes = HashMap::new();
        nodes.insert(
            ROOT,
            Node {
                parent: ROOT,
                name: OsString::new(),
                kind: Kind::Dir(Arc::new(root)),
                lookups: 1,
                held: None,
                open: 0,
            },
        );
        Nodes {
            nodes,
            by_name: HashMap::new(),
            next: ROOT + 1,
        }
    }

    pub fn get(&self, ino: u64) -> Option<&Node> {
        self.nodes.get(&ino)
    }

    pub fn get_mut(&mut self, ino: u64) -> Option<&mut Node> {
        self.nodes.get_mut(&ino)
    }

    /// The directory descriptor of `ino`, if it is a directory.
    pub fn dir(&self, ino: u64) -> Option<Arc<OwnedFd>> {
        match &self.nodes.get(&ino)?.kind {
            Kind::Dir(fd) => Some(fd.clone()),
            _ => None,
        }
    }

    pub fn child(&self, parent: u64, name: &OsStr) -> Option<u64> {
        self.by_name.get(&(parent, name.to_os_string())).copied()
    }

    /// The node for `name` in `parent`, made if new, with one more lookup.
    /// A node whose kind changed on the medium is replaced.
    pub fn remember(&mut self, parent: u64, name: &OsStr, make: impl FnOnce() -> Kind) -> u64 {
        let key = (parent, name.to_os_string());
        if let Some(&ino) = self.by_name.get(&key)
            && let Some(n) = self.nodes.get_mut(&ino)
        {
            n.lookups += 1;
            return ino;
        }
        let ino = self.next;
        self.next += 1;
        self.nodes.insert(
            ino,
            Node {
                parent,
                name: name.to_os_string(),
                kind: make(),
                lookups: 1,
                held: None,
                open: 0,
            },
        );
        self.by_name.insert(key, ino);
        ino
    }

    /// Drops `n` lookups; a node nobody references any more is removed.
    pub fn forget(&mut self, ino: u64, n: u64) {
        if ino == ROOT {
            return;
        }
        let gone = match self.nodes.get_mut(&ino) {
            Some(node) => {
                node.lookups = node.lookups.saturating_sub(n);
                node.lookups == 0 && node.open == 0 && node.held.is_none()
            }
            None => false,
        };
        if gone {
            self.remove(ino);
        }
    }

    /// Removes a node now (its name is gone from the medium).
    pub fn remove(&mut self, ino: u64) {
        if let Some(node) = self.nodes.remove(&ino) {
            let key = (node.parent, node.name);
            if self.by_name.get(&key) == Some(&ino) {
                self.by_name.remove(&key);
            }
        }
    }

    /// Unlinks the name of `ino` from the table; the node lives on while
    /// the kernel or a handle still references it.
    pub fn detach(&mut self, ino: u64) {
        if let Some(node) = self.nodes.get(&ino) {
            let key = (node.parent, node.name.clone());
            if self.by_name.get(&key) == Some(&ino) {
                self.by_name.remove(&key);
            }
        }
    }

    /// Moves `ino` to `name` in `parent`; whatever had that name loses it.
    pub fn rename(&mut self, ino: u64, parent: u64, name: &OsStr) {
        let key = (parent, name.to_os_string());
        if let Some(old) = self.by_name.get(&key).copied()
            && old != ino
        {
            self.detach(old);
        }
        self.detach(ino);
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.parent = parent;
            node.name = name.to_os_string();
        }
        self.by_name.insert(key, ino);
    }

    /// The path of `ino` relative to the medium's root, for people and
    /// policies (never used to reach the file).
    pub fn path(&self, ino: u64) -> PathBuf {
        let mut parts = Vec::new();
        let mut at = ino;
        let mut guard = 0;
        while at != ROOT && guard < 4096 {
            match self.nodes.get(&at) {
                Some(n) => {
                    parts.push(n.name.clone());
                    at = n.parent;
                }
                None => break,
            }
            guard += 1;
        }
        parts.iter().rev().collect()
    }

    /// Held files whose name is in `parent` (listed with the directory).
    pub fn held_in(&self, parent: u64) -> Vec<(u64, OsString)> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.parent == parent && n.held.is_some())
            .filter(|(ino, n)| self.by_name.get(&(n.parent, n.name.clone())) == Some(*ino))
            .map(|(ino, n)| (*ino, n.name.clone()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }
}
