//! Small ordered maps and sets on a sorted `Vec`.
//!
//! The mesh layout and the graph snapshot keep a few dozen to a few hundred
//! entries per map, keyed by station id or band. `std`'s `BTreeMap` would do,
//! but every key/value pair type instantiates its whole node machinery (and
//! `collect` a stable sort) in the wasm bundle; these are a binary search and
//! a `Vec` insert, with the same iteration order (ascending keys), so code
//! written against `BTreeMap` behaves identically. Inserting one entry is
//! O(n), nothing at these sizes; `collect` is O(n) for sorted input and one
//! sort ([`sort_by`]) otherwise.

use std::borrow::Borrow;
use std::cmp::Ordering;

/// Sorts `v` by `cmp`, stably (equal elements keep their order).
///
/// Every call shares one compiled sort (of `u32` indices, through a `&dyn`
/// comparator) instead of instantiating the standard library's sort for
/// each element type and closure: in the wasm bundle each of those costs
/// several kilobytes. The lists sorted this way (stations, paths, edges)
/// are at most a few thousand long.
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let Ok(n) = u32::try_from(v.len()) else {
        return;
    };
    let mut order: Vec<u32> = (0..n).collect();
    {
        let items: &[T] = v;
        sort_indices(
            &mut order,
            &|a, b| match (items.get(a as usize), items.get(b as usize)) {
                (Some(x), Some(y)) => cmp(x, y).then(a.cmp(&b)),
                _ => a.cmp(&b),
            },
        );
    }
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(
        order
            .iter()
            .filter_map(|&i| slots.get_mut(i as usize).and_then(Option::take)),
    );
}

/// Sorts `order` (indices) by `cmp`: the one sort instantiation behind
/// [`sort_by`].
#[inline(never)]
pub fn sort_indices(order: &mut [u32], cmp: &dyn Fn(u32, u32) -> Ordering) {
    order.sort_unstable_by(|&a, &b| cmp(a, b));
}

/// An ordered map: entries sorted by key, unique keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    items: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { items: Vec::new() }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        VecMap { items: Vec::new() }
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.items.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// The value of `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key)
            .ok()
            .and_then(|i| self.items.get(i))
            .map(|(_, v)| v)
    }

    /// The value of `key`, mutably.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        match self.find(key) {
            Ok(i) => self.items.get_mut(i).map(|(_, v)| v),
            Err(_) => None,
        }
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the old value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self
                .items
                .get_mut(i)
                .map(|e| std::mem::replace(&mut e.1, value)),
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.items.remove(i).1)
    }

    /// The entry of `key`, for in-place updates.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let at = self.find(&key);
        Entry { map: self, key, at }
    }

    /// Entries in ascending key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.items.iter().map(|(k, v)| (k, v))
    }

    /// Entries in ascending key order, values mutable.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        self.items.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in ascending order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.items.iter().map(|(k, _)| k)
    }

    /// Values in ascending key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    /// Values in ascending key order, mutably.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.items.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.items.retain_mut(|(k, v)| f(k, v));
    }
}

/// A place in a [`VecMap`]: present (`at` = `Ok`) or where it would go.
pub struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    key: K,
    at: Result<usize, usize>,
}

impl<'a, K: Ord, V> Entry<'a, K, V> {
    /// The value, inserted from `make` when absent.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.at {
            Ok(i) => i,
            Err(i) => {
                self.map.items.insert(i, (self.key, make()));
                i
            }
        };
        // `i` is in range: found, or just inserted there.
        &mut self.map.items[i].1
    }

    /// The value, `value` when absent.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, `V::default()` when absent.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// Later duplicates replace earlier ones, as with `BTreeMap`. Sorted
    /// input (the usual case) is taken as it is; other input is sorted once
    /// (stably, so the last of equal keys is the one kept).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut items: Vec<(K, V)> = iter.into_iter().collect();
        if !items.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
            sort_by(&mut items, |a, b| a.0.cmp(&b.0));
            let mut out: Vec<(K, V)> = Vec::with_capacity(items.len());
            for (k, v) in items {
                match out.last_mut() {
                    Some(last) if last.0 == k => *last = (k, v),
                    _ => out.push((k, v)),
                }
            }
            items = out;
        }
        VecMap { items }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter().map(|(k, v)| (k, v))
    }
}

/// An ordered set: sorted, unique (a [`VecMap`] with `()` values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet {
            map: VecMap::default(),
        }
    }
}

impl<T: Ord> VecSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        VecSet::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Removes every member.
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// Whether `v` is a member.
    pub fn contains(&self, v: &T) -> bool {
        self.map.contains_key(v)
    }

    /// Adds `v`; false if it was a member already.
    pub fn insert(&mut self, v: T) -> bool {
        // An existing member stays as it is (only its `()` is replaced).
        self.map.insert(v, ()).is_none()
    }

    /// Removes `v`; false if it was not a member.
    pub fn remove(&mut self, v: &T) -> bool {
        self.map.remove(v).is_some()
    }

    /// Members in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.map.items.iter().map(|(v, ())| v)
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        VecSet {
            map: iter.into_iter().map(|v| (v, ())).collect(),
        }
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.items.into_iter().map(|(v, ())| v)
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, ())>, fn(&'a (T, ())) -> &'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.items.iter().map(|(v, ())| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Same operations on a `VecMap` and a `BTreeMap`: same contents and
    /// order throughout.
    #[test]
    fn sort_by_sorts_like_std_sort_by() {
        let mut a: Vec<(u8, String)> = (0..200u32)
            .map(|i| (((i * 7919) % 13) as u8, format!("s{}", (i * 31) % 97)))
            .collect();
        let mut b = a.clone();
        super::sort_by(&mut a, |x, y| x.0.cmp(&y.0).then_with(|| y.1.cmp(&x.1)));
        b.sort_by(|x, y| x.0.cmp(&y.0).then_with(|| y.1.cmp(&x.1)));
        assert_eq!(a, b);
        // Stable: equal keys keep their order, as with `slice::sort_by`.
        let mut c: Vec<(u8, u32)> = (0..300u32).map(|i| (((i * 31) % 7) as u8, i)).collect();
        let mut d = c.clone();
        super::sort_by(&mut c, |x, y| x.0.cmp(&y.0));
        d.sort_by_key(|x| x.0);
        assert_eq!(c, d);
        let mut e: Vec<String> = Vec::new();
        super::sort_by(&mut e, |x, y| x.cmp(y));
        assert!(e.is_empty());
    }

    #[test]
    fn collect_matches_btree_for_unsorted_input_with_duplicates() {
        let pairs: Vec<(u16, u32)> = (0..500u32)
            .map(|i| (((i * 7919) % 211) as u16, i))
            .collect();
        let v: VecMap<u16, u32> = pairs.iter().copied().collect();
        let b: BTreeMap<u16, u32> = pairs.iter().copied().collect();
        assert_eq!(
            v.iter().map(|(k, x)| (*k, *x)).collect::<Vec<_>>(),
            b.iter().map(|(k, x)| (*k, *x)).collect::<Vec<_>>()
        );
        let sv: VecSet<u16> = pairs.iter().map(|p| p.0).collect();
        let sb: BTreeSet<u16> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(
            sv.iter().copied().collect::<Vec<_>>(),
            sb.iter().copied().collect::<Vec<_>>()
        );
        // Sorted input is kept as it is.
        let sorted: VecMap<u16, u32> = b.iter().map(|(k, x)| (*k, *x)).collect();
        assert_eq!(sorted, v);
    }

    #[test]
    fn behaves_like_btreemap() {
        let mut v: VecMap<u16, u32> = VecMap::new();
        let mut b: BTreeMap<u16, u32> = BTreeMap::new();
        let mut x: u32 = 12345;
        for step in 0..2000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let k = ((x >> 16) % 97) as u16;
            match step % 5 {
                0 | 1 => assert_eq!(v.insert(k, step), b.insert(k, step)),
                2 => assert_eq!(v.remove(&k), b.remove(&k)),
                3 => *v.entry(k).or_default() += 1,
                _ => assert_eq!(v.get(&k), b.get(&k)),
            }
            if step % 5 == 3 {
                *b.entry(k).or_default() += 1;
            }
            assert_eq!(v.len(), b.len());
        }
        let vi: Vec<(u16, u32)> = v.iter().map(|(k, x)| (*k, *x)).collect();
        let bi: Vec<(u16, u32)> = b.iter().map(|(k, x)| (*k, *x)).collect();
        assert_eq!(vi, bi);
        let c: VecMap<u16, u32> = [(3, 1), (1, 2), (3, 9)].into_iter().collect();
        assert_eq!(
            c.iter().map(|(k, x)| (*k, *x)).collect::<Vec<_>>(),
            vec![(1, 2), (3, 9)]
        );
    }

    #[test]
    fn set_behaves_like_btreeset() {
        let mut v = VecSet::new();
        let mut b = BTreeSet::new();
        for k in [5u16, 1, 9, 5, 3, 1, 7] {
            assert_eq!(v.insert(k), b.insert(k));
        }
        assert_eq!(v.remove(&9), b.remove(&9));
        assert_eq!(v.remove(&9), b.remove(&9));
        assert!(v.iter().eq(b.iter()));
        assert!(v.contains(&7) && !v.contains(&9));
    }
}
