//! The group/check tree k6 reports (`root_group`), rebuilt from `checks` and
//! `group_duration` samples, plus the per-group and per-scenario aggregates of
//! `--summary-mode=full`.
//!
//! Group and check ids are the md5 hex digest of their path, as in k6; the root group's
//! path is `""`, a group's path is its parent's path + `::` + name, a check's path is its
//! group's path + `::` + name.

use std::collections::HashMap;
use std::sync::Arc;

use md5::{Digest, Md5};

use super::sample::{MetricRef, MetricType};
use super::sink::{RateSink, Sink};

pub const GROUP_SEPARATOR: &str = "::";

pub fn md5_hex(s: &str) -> String {
    let digest = Md5::digest(s.as_bytes());
    let mut out = String::with_capacity(32);
    for b in digest.iter() {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckNode {
    pub name: String,
    pub path: String,
    pub id: String,
    pub passes: u64,
    pub fails: u64,
}

#[derive(Clone, Debug)]
pub struct GroupNode {
    pub name: String,
    pub path: String,
    pub id: String,
    /// Child group indexes in creation order.
    pub groups: Vec<usize>,
    pub checks: Vec<CheckNode>,
    check_index: HashMap<Box<str>, usize>,
}

impl GroupNode {
    fn new(name: &str, path: &str) -> Self {
        GroupNode {
            name: name.to_string(),
            path: path.to_string(),
            id: md5_hex(path),
            groups: Vec::new(),
            checks: Vec::new(),
            check_index: HashMap::new(),
        }
    }
}

/// Check counts merged by name across all groups, in first-seen order (the compact text
/// summary's check list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckCount {
    pub name: String,
    pub passes: u64,
    pub fails: u64,
}

#[derive(Clone, Debug, Default)]
pub struct OrderedChecks {
    pub list: Vec<CheckCount>,
    index: HashMap<Box<str>, usize>,
}

impl OrderedChecks {
    #[inline]
    pub fn record(&mut self, name: &str, passed: bool) {
        let c = self.entry(name);
        if passed {
            c.passes += 1;
        } else {
            c.fails += 1;
        }
    }

    /// Adds another instance's counts of a check (`rk6 merge`), keeping first-seen order.
    pub fn add_counts(&mut self, name: &str, passes: u64, fails: u64) {
        let c = self.entry(name);
        c.passes += passes;
        c.fails += fails;
    }

    #[inline]
    fn entry(&mut self, name: &str) -> &mut CheckCount {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.list.push(CheckCount {
                    name: name.to_string(),
                    ..CheckCount::default()
                });
                self.index.insert(name.into(), self.list.len() - 1);
                self.list.len() - 1
            }
        };
        &mut self.list[i]
    }
}

/// k6's legacy group tree.
#[derive(Clone, Debug)]
pub struct GroupTree {
    /// Index 0 is the root group.
    pub nodes: Vec<GroupNode>,
    by_path: HashMap<Box<str>, usize>,
}

impl Default for GroupTree {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupTree {
    pub fn new() -> Self {
        let mut by_path = HashMap::new();
        by_path.insert("".into(), 0);
        GroupTree {
            nodes: vec![GroupNode::new("", "")],
            by_path,
        }
    }

    pub fn root(&self) -> &GroupNode {
        &self.nodes[0]
    }

    /// The node for a group path, creating it and its ancestors on first sight.
    #[inline]
    pub fn group(&mut self, path: &str) -> usize {
        if let Some(&i) = self.by_path.get(path) {
            return i;
        }
        self.create(path)
    }

    #[cold]
    fn create(&mut self, path: &str) -> usize {
        let mut parent = 0;
        let mut cur = String::new();
        for name in split_group_path(path) {
            cur.push_str(GROUP_SEPARATOR);
            cur.push_str(name);
            parent = match self.by_path.get(cur.as_str()) {
                Some(&i) => i,
                None => {
                    let i = self.nodes.len();
                    self.nodes.push(GroupNode::new(name, &cur));
                    self.nodes[parent].groups.push(i);
                    self.by_path.insert(cur.as_str().into(), i);
                    i
                }
            };
        }
        parent
    }

    #[inline]
    pub fn record_check(&mut self, group_path: &str, name: &str, passed: bool) {
        let c = self.check(group_path, name);
        if passed {
            c.passes += 1;
        } else {
            c.fails += 1;
        }
    }

    /// Adds another instance's counts of a check (`rk6 merge`), as that many samples would.
    pub fn add_check_counts(&mut self, group_path: &str, name: &str, passes: u64, fails: u64) {
        let c = self.check(group_path, name);
        c.passes += passes;
        c.fails += fails;
    }

    /// A check of a group, both created on first sight.
    #[inline]
    fn check(&mut self, group_path: &str, name: &str) -> &mut CheckNode {
        let g = self.group(group_path);
        let node = &mut self.nodes[g];
        let i = match node.check_index.get(name) {
            Some(&i) => i,
            None => {
                let path = format!("{}{GROUP_SEPARATOR}{name}", node.path);
                node.checks.push(CheckNode {
                    name: name.to_string(),
                    id: md5_hex(&path),
                    path,
                    passes: 0,
                    fails: 0,
                });
                node.check_index.insert(name.into(), node.checks.len() - 1);
                node.checks.len() - 1
            }
        };
        &mut node.checks[i]
    }
}

/// `::a::b` → `["a", "b"]`; `""` → `[]`.
pub fn split_group_path(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix(GROUP_SEPARATOR).unwrap_or(path);
    trimmed
        .split(GROUP_SEPARATOR)
        .filter(move |_| !trimmed.is_empty())
}

/// Per-group (or per-scenario) aggregates for `--summary-mode=full`.
#[derive(Debug, Default)]
pub struct AggregateNode {
    /// Sinks of the metrics that had samples here, in first-seen order.
    pub metrics: Vec<(MetricRef, Sink)>,
    pub checks: OrderedChecks,
    /// Child group name → node index, in first-seen order.
    pub groups: Vec<(String, usize)>,
}

impl AggregateNode {
    #[inline]
    fn add(&mut self, metric: &MetricRef, value: f64) {
        match self.metrics.iter_mut().find(|(m, _)| m.id == metric.id) {
            Some((_, sink)) => sink.add(value),
            None => {
                let mut sink = Sink::new(metric.mtype);
                sink.add(value);
                self.metrics.push((metric.clone(), sink));
            }
        }
    }

    pub fn checks_sink(&self) -> Option<&RateSink> {
        self.metrics.iter().find_map(|(m, s)| match s {
            Sink::Rate(r) if m.mtype == MetricType::Rate && &*m.name == "checks" => Some(r),
            _ => None,
        })
    }
}

/// Groups of the default scenario under the root, and one tree per other scenario.
#[derive(Debug)]
pub struct GroupAggregates {
    /// Index 0 is the root (its own metrics are unused: root totals come from the engine).
    pub nodes: Vec<AggregateNode>,
    /// Scenario name → its root node, in first-seen order.
    pub scenarios: Vec<(Arc<str>, usize)>,
    /// Tree root → (group path → node).
    paths: HashMap<usize, HashMap<Box<str>, usize>>,
}

impl Default for GroupAggregates {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupAggregates {
    pub fn new() -> Self {
        GroupAggregates {
            nodes: vec![AggregateNode::default()],
            scenarios: Vec::new(),
            paths: HashMap::new(),
        }
    }

    /// k6's full-mode routing: a sample of a non-default scenario counts for that scenario;
    /// a sample with a non-empty group counts for that group only (not its ancestors),
    /// under the scenario's tree or the root's.
    #[inline]
    pub fn add(
        &mut self,
        metric: &MetricRef,
        value: f64,
        scenario: Option<&str>,
        group: Option<&str>,
        check: Option<(&str, bool)>,
    ) {
        let mut root = 0;
        if let Some(sc) = scenario.filter(|s| *s != "default") {
            root = self.scenario_root(sc);
            self.record(root, metric, value, check);
        }
        if let Some(g) = group.filter(|g| !g.is_empty()) {
            let node = self.group_node(root, g);
            self.record(node, metric, value, check);
        }
    }

    #[inline]
    fn record(&mut self, node: usize, metric: &MetricRef, value: f64, check: Option<(&str, bool)>) {
        let n = &mut self.nodes[node];
        n.add(metric, value);
        if let Some((name, passed)) = check {
            n.checks.record(name, passed);
        }
    }

    fn scenario_root(&mut self, name: &str) -> usize {
        if let Some((_, i)) = self.scenarios.iter().find(|(n, _)| &**n == name) {
            return *i;
        }
        self.nodes.push(AggregateNode::default());
        let i = self.nodes.len() - 1;
        self.scenarios.push((Arc::from(name), i));
        i
    }

    fn group_node(&mut self, root: usize, path: &str) -> usize {
        if let Some(&i) = self.paths.get(&root).and_then(|m| m.get(path)) {
            return i;
        }
        let mut parent = root;
        for name in split_group_path(path) {
            parent = match self.nodes[parent].groups.iter().find(|(n, _)| n == name) {
                Some((_, i)) => *i,
                None => {
                    self.nodes.push(AggregateNode::default());
                    let i = self.nodes.len() - 1;
                    self.nodes[parent].groups.push((name.to_string(), i));
                    i
                }
            };
        }
        self.paths
            .entry(root)
            .or_default()
            .insert(Box::from(path), parent);
        parent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_md5_of_paths_confirmed_on_k6() {
        // confirmed on k6 v1.1.0 (summary-export root_group ids)
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("::g1"), "9ccb03cc5acd728a2fe595bbd1f14da3");
        assert_eq!(md5_hex("::g1::inner"), "e60245afebe70f40c79b355791487095");
        assert_eq!(
            md5_hex("::g1::status 200"),
            "68b97220145e2e63307868c3abcae0f2"
        );
        assert_eq!(md5_hex("::setup"), "5c0f8025f7e0b6654089e5b00e950f1a");
    }

    #[test]
    fn builds_tree_from_paths() {
        let mut t = GroupTree::new();
        t.record_check("::g1", "status 200", true);
        t.record_check("::g1::inner", "inner check", true);
        t.record_check("::g1::inner", "inner check", false);
        t.group("::g0");
        t.record_check("", "root check", true);
        let root = t.root();
        assert_eq!(root.checks[0].path, "::root check");
        let names: Vec<_> = root
            .groups
            .iter()
            .map(|&i| t.nodes[i].name.as_str())
            .collect();
        assert_eq!(names, ["g1", "g0"]);
        let g1 = &t.nodes[root.groups[0]];
        assert_eq!((g1.path.as_str(), g1.checks[0].passes), ("::g1", 1));
        let inner = &t.nodes[g1.groups[0]];
        assert_eq!(inner.path, "::g1::inner");
        assert_eq!(inner.id, "e60245afebe70f40c79b355791487095");
        assert_eq!((inner.checks[0].passes, inner.checks[0].fails), (1, 1));
        assert_eq!(inner.checks[0].id, "aa40fb5ea31ab6b19fda1da33211cbef");
    }

    #[test]
    fn ordered_checks_merge_by_name() {
        // confirmed on k6 v1.1.0: "status 200" passing in ::g1 and failing in ::g1::inner
        // shows once as "✗ status 200 ↳ 50% — ✓ 40 / ✗ 40".
        let mut o = OrderedChecks::default();
        o.record("status 200", true);
        o.record("inner check", true);
        o.record("status 200", false);
        assert_eq!(o.list.len(), 2);
        assert_eq!((o.list[0].passes, o.list[0].fails), (1, 1));
    }

    #[test]
    fn split_paths() {
        assert_eq!(split_group_path("").count(), 0);
        assert_eq!(split_group_path("::a::b").collect::<Vec<_>>(), ["a", "b"]);
    }
}
