//! `np.argsort(scores)` (default `kind="quicksort"`) on float64, with NumPy's exact order of
//! **equal** scores.
//!
//! The reference's NMS takes the last index of `np.argsort(s)` first, so when two candidate
//! boxes have exactly the same float32 score (common near 1.0, e.g. `0.99999988`), the box that
//! survives depends on how NumPy orders ties. NumPy 2.x on x86-64 CPUs with AVX-512 (the
//! reference machine) dispatches float64 argsort to Intel's x86-simd-sort
//! (`avx512_argsort`): a vectorised quicksort whose partitions and 8-lane bitonic networks
//! are not stable. This module replays that algorithm lane by lane:
//!
//! * `n ≤ 256`: `argsort_n`: the index array is split into 8-lane vectors (the last ones padded
//!   with `+inf`), each sorted with the 8-lane bitonic network, then merged by
//!   `bitonic_fullmerge_n_vec`; the number of vectors is the smallest power of two that holds
//!   `n` with more than half of it used. A compare-exchange never swaps equal keys.
//! * `n > 256`: pivot = 5th of 8 samples `arr[arg[left + k·(n/8)]]` (k = 1..8); a 4×8-lane
//!   unrolled in-place partition with compress-stores (`≥ pivot` to the right), after
//!   moving `(right − left) mod 32` scalars; recursion skips a side whose extreme equals the
//!   pivot; depth limit `2·⌊log₂ n⌋`, past which libstdc++'s `std::sort` takes over (introsort:
//!   median-of-3 unguarded partition down to 16 elements, heapsort at depth `2·⌊log₂ n⌋`,
//!   final insertion sort), also replayed here. Many equal keys reach it quickly.
//!
//! Arrays containing NaN are sorted with NaN last (NumPy falls back to `std::sort` there too).
//! On machines without AVX-512 NumPy uses other sorts, so the reference itself orders ties
//! differently there; this port follows the AVX-512 machine the oracle was produced on.

const LANES: usize = 8;

type Keys = [f64; LANES];
type Idx = [usize; LANES];

/// `NETWORK_64BIT_1` as lane sources: `out[l] = in[P[l]]`.
const NET1: [usize; 8] = [3, 2, 1, 0, 7, 6, 5, 4];
/// `NETWORK_64BIT_2`: full reversal.
const NET2: [usize; 8] = [7, 6, 5, 4, 3, 2, 1, 0];
const NET3: [usize; 8] = [2, 3, 0, 1, 6, 7, 4, 5];
const NET4: [usize; 8] = [4, 5, 6, 7, 0, 1, 2, 3];
/// `shuffle<SHUFFLE_MASK(1,1,1,1)>`: swap neighbours.
const SWAP1: [usize; 8] = [1, 0, 3, 2, 5, 4, 7, 6];

#[inline]
fn perm<T: Copy>(v: &[T; 8], p: &[usize; 8]) -> [T; 8] {
    std::array::from_fn(|l| v[p[l]])
}

/// `_mm512_min_pd(a, b)`: `a < b ? a : b`.
#[inline]
fn min_pd(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

/// `_mm512_max_pd(a, b)`: `a > b ? a : b`.
#[inline]
fn max_pd(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// Key/value `cmp_merge`: lanes in `mask` take the max, the others the min; an index moves
/// only when its key changed.
#[inline]
fn cmp_merge(k1: &Keys, k2: &Keys, i1: &mut Idx, i2: &Idx, mask: u8) -> Keys {
    let mut out = [0.0; 8];
    for l in 0..LANES {
        let mn = min_pd(k2[l], k1[l]);
        let mx = max_pd(k2[l], k1[l]);
        out[l] = if mask >> l & 1 == 1 { mx } else { mn };
        if out[l] != k1[l] {
            i1[l] = i2[l];
        }
    }
    out
}

#[inline]
fn cm_step(k: &mut Keys, i: &mut Idx, p: &[usize; 8], mask: u8) {
    let k2 = perm(k, p);
    let i2 = perm(i, p);
    *k = cmp_merge(k, &k2, i, &i2, mask);
}

/// `sort_zmm_64bit` (key/value).
fn sort_vec(k: &mut Keys, i: &mut Idx) {
    cm_step(k, i, &SWAP1, 0xAA);
    cm_step(k, i, &NET1, 0xCC);
    cm_step(k, i, &SWAP1, 0xAA);
    cm_step(k, i, &NET2, 0xF0);
    cm_step(k, i, &NET3, 0xCC);
    cm_step(k, i, &SWAP1, 0xAA);
}

/// `bitonic_merge_zmm_64bit` (key/value).
fn merge_vec(k: &mut Keys, i: &mut Idx) {
    cm_step(k, i, &NET4, 0xF0);
    cm_step(k, i, &NET3, 0xCC);
    cm_step(k, i, &SWAP1, 0xAA);
}

/// Keys-only `sort_zmm_64bit` (used for the pivot; ties do not matter there).
fn sort_keys(mut k: Keys) -> Keys {
    let mut dummy = [0usize; 8];
    sort_vec(&mut k, &mut dummy);
    k
}

/// `COEX` on two whole vectors.
fn coex(keys: &mut [Keys], idx: &mut [Idx], a: usize, b: usize) {
    for l in 0..LANES {
        let (k1, k2) = (keys[a][l], keys[b][l]);
        let t1 = min_pd(k1, k2);
        let t2 = max_pd(k1, k2);
        let eq = t1 == k1;
        let (i1, i2) = (idx[a][l], idx[b][l]);
        idx[a][l] = if eq { i1 } else { i2 };
        idx[b][l] = if eq { i2 } else { i1 };
        keys[a][l] = t1;
        keys[b][l] = t2;
    }
}

fn reverse(keys: &mut [Keys], idx: &mut [Idx], v: usize) {
    keys[v] = perm(&keys[v], &NET2);
    idx[v] = perm(&idx[v], &NET2);
}

/// `bitonic_merge_n_vec<n>` on `keys[..n]`.
fn bitonic_merge_n(keys: &mut [Keys], idx: &mut [Idx]) {
    let n = keys.len();
    if n == 2 {
        reverse(keys, idx, 1);
        coex(keys, idx, 0, 1);
        reverse(keys, idx, 1);
    } else if n > 2 {
        for i in 0..n / 2 {
            let j = n - i - 1;
            reverse(keys, idx, j);
            coex(keys, idx, i, j);
            reverse(keys, idx, j);
        }
    }
    // bitonic_clean_n_vec
    let mut num = n / 2;
    while num >= 2 {
        let mut j = 0;
        while j < n {
            for i in 0..num / 2 {
                coex(keys, idx, i + j, i + j + num / 2);
            }
            j += num;
        }
        num /= 2;
    }
    for v in 0..n {
        merge_vec(&mut keys[v], &mut idx[v]);
    }
}

/// `argsort_n<256>` on `arg` (length ≤ 256).
fn argsort_small(arr: &[f64], arg: &mut [usize]) {
    let n = arg.len();
    let mut num_vecs = 32;
    while num_vecs > 1 && n * 2 <= num_vecs * LANES {
        num_vecs /= 2;
    }
    let mut keys = vec![[f64::INFINITY; 8]; num_vecs];
    let mut idx = vec![[usize::MAX; 8]; num_vecs];
    for (p, &a) in arg.iter().enumerate() {
        keys[p / LANES][p % LANES] = arr[a];
        idx[p / LANES][p % LANES] = a;
    }
    for v in 0..num_vecs {
        sort_vec(&mut keys[v], &mut idx[v]);
    }
    let mut per = 2;
    while per <= num_vecs {
        for g in 0..num_vecs / per {
            bitonic_merge_n(
                &mut keys[g * per..(g + 1) * per],
                &mut idx[g * per..(g + 1) * per],
            );
        }
        per *= 2;
    }
    for (p, a) in arg.iter_mut().enumerate() {
        *a = idx[p / LANES][p % LANES];
    }
}

/// `partition_vec_avx512`: elements `< pivot` compress-stored at `left`, the others at
/// `right − count`. Returns the number `≥ pivot`.
fn partition_vec(
    arr: &[f64],
    arg: &mut [usize],
    left: usize,
    right: usize,
    v: &Idx,
    pivot: f64,
    mn: &mut f64,
    mx: &mut f64,
) -> usize {
    let ge: Vec<bool> = v.iter().map(|&a| arr[a] >= pivot).collect();
    let count = ge.iter().filter(|g| **g).count();
    let mut l = left;
    for lane in 0..LANES {
        if !ge[lane] {
            arg[l] = v[lane];
            l += 1;
        }
    }
    let mut r = right - count;
    for lane in 0..LANES {
        if ge[lane] {
            arg[r] = v[lane];
            r += 1;
        }
    }
    for &a in v {
        *mn = min_pd(arr[a], *mn);
        *mx = max_pd(arr[a], *mx);
    }
    count
}

/// `partition_avx512_unrolled<…, 4>` on `arg[left..right)`; returns the split point.
fn partition_unrolled(
    arr: &[f64],
    arg: &mut [usize],
    mut left: usize,
    mut right: usize,
    pivot: f64,
    smallest: &mut f64,
    biggest: &mut f64,
) -> usize {
    const UNROLL: usize = 4;
    let block = UNROLL * LANES;
    let mut i = (right - left) % block;
    while i > 0 {
        let v = arr[arg[left]];
        // std::min/std::max with comparison_func (a < b)
        if v < *smallest {
            *smallest = v;
        }
        if *biggest < v {
            *biggest = v;
        }
        if v >= pivot || v.is_nan() {
            right -= 1;
            arg.swap(left, right);
        } else {
            left += 1;
        }
        i -= 1;
    }
    if left == right {
        return left;
    }
    let (mut mn, mut mx) = (*smallest, *biggest);
    let load = |arg: &[usize], at: usize| -> Idx { std::array::from_fn(|l| arg[at + l]) };
    let vec_left: Vec<Idx> = (0..UNROLL).map(|ii| load(arg, left + LANES * ii)).collect();
    let vec_right: Vec<Idx> = (0..UNROLL)
        .map(|ii| load(arg, right - LANES * (UNROLL - ii)))
        .collect();
    // Unsigned like the C++ original (size_t): these indices wrap transiently by design.
    let mut r_store = right - LANES;
    let mut l_store = left;
    left += block;
    right -= block;
    while right != left {
        let cur: Vec<Idx> =
            if r_store.wrapping_add(LANES).wrapping_sub(right) < left.wrapping_sub(l_store) {
                right -= block;
                (0..UNROLL)
                    .map(|ii| load(arg, right + ii * LANES))
                    .collect()
            } else {
                let c = (0..UNROLL).map(|ii| load(arg, left + ii * LANES)).collect();
                left += block;
                c
            };
        for v in &cur {
            let gt = partition_vec(
                arr,
                arg,
                l_store,
                r_store.wrapping_add(LANES),
                v,
                pivot,
                &mut mn,
                &mut mx,
            );
            l_store += LANES - gt;
            r_store = r_store.wrapping_sub(gt);
        }
    }
    for v in vec_left.iter().chain(vec_right.iter()) {
        let gt = partition_vec(
            arr,
            arg,
            l_store,
            r_store.wrapping_add(LANES),
            v,
            pivot,
            &mut mn,
            &mut mx,
        );
        l_store += LANES - gt;
        r_store = r_store.wrapping_sub(gt);
    }
    *smallest = mn;
    *biggest = mx;
    l_store
}

/// `argsort_64bit_` on the inclusive range `[left, right]`.
fn argsort_rec(arr: &[f64], arg: &mut [usize], left: usize, right: usize, max_iters: i64) {
    if max_iters <= 0 {
        std_sort(&mut arg[left..=right], &|a: usize, b: usize| {
            arr[a] < arr[b]
        });
        return;
    }
    if right + 1 - left <= 256 {
        argsort_small(arr, &mut arg[left..=right]);
        return;
    }
    let size = (right - left) / 8;
    let samples: Keys = std::array::from_fn(|k| arr[arg[left + (k + 1) * size]]);
    let pivot = sort_keys(samples)[4];
    let mut smallest = f64::INFINITY;
    let mut biggest = f64::NEG_INFINITY;
    let pivot_index = partition_unrolled(
        arr,
        arg,
        left,
        right + 1,
        pivot,
        &mut smallest,
        &mut biggest,
    );
    if pivot != smallest && pivot_index > left {
        argsort_rec(arr, arg, left, pivot_index - 1, max_iters - 1);
    }
    if pivot != biggest {
        argsort_rec(arr, arg, pivot_index, right, max_iters - 1);
    }
}

/// libstdc++ `std::sort(v.begin(), v.end(), less)`, element for element.
fn std_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    let n = v.len();
    if n == 0 {
        return;
    }
    let lg = (usize::BITS - 1 - n.leading_zeros()) as usize;
    introsort_loop(v, 0, n, lg * 2, less);
    // __final_insertion_sort
    if n > 16 {
        insertion_sort(v, 0, 16, less);
        for i in 16..n {
            unguarded_linear_insert(v, i, less);
        }
    } else {
        insertion_sort(v, 0, n, less);
    }
}

fn introsort_loop(
    v: &mut [usize],
    first: usize,
    mut last: usize,
    mut depth: usize,
    less: &dyn Fn(usize, usize) -> bool,
) {
    while last - first > 16 {
        if depth == 0 {
            heap_sort(&mut v[first..last], less);
            return;
        }
        depth -= 1;
        // __unguarded_partition_pivot
        let mid = first + (last - first) / 2;
        let (a, b, c) = (first + 1, mid, last - 1);
        let pick = if less(v[a], v[b]) {
            if less(v[b], v[c]) {
                b
            } else if less(v[a], v[c]) {
                c
            } else {
                a
            }
        } else if less(v[a], v[c]) {
            a
        } else if less(v[b], v[c]) {
            c
        } else {
            b
        };
        v.swap(first, pick);
        let (mut lo, mut hi) = (first + 1, last);
        let cut = loop {
            while less(v[lo], v[first]) {
                lo += 1;
            }
            hi -= 1;
            while less(v[first], v[hi]) {
                hi -= 1;
            }
            if lo >= hi {
                break lo;
            }
            v.swap(lo, hi);
            lo += 1;
        };
        introsort_loop(v, cut, last, depth, less);
        last = cut;
    }
}

fn insertion_sort(v: &mut [usize], first: usize, last: usize, less: &dyn Fn(usize, usize) -> bool) {
    if first == last {
        return;
    }
    for i in first + 1..last {
        if less(v[i], v[first]) {
            let val = v[i];
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            unguarded_linear_insert(v, i, less);
        }
    }
}

fn unguarded_linear_insert(v: &mut [usize], mut last: usize, less: &dyn Fn(usize, usize) -> bool) {
    let val = v[last];
    while less(val, v[last - 1]) {
        v[last] = v[last - 1];
        last -= 1;
    }
    v[last] = val;
}

/// `std::__partial_sort(first, last, last)`: make_heap then sort_heap.
fn heap_sort(v: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    let len = v.len();
    if len < 2 {
        return;
    }
    let mut parent = (len - 2) / 2;
    loop {
        let value = v[parent];
        adjust_heap(v, parent, len, value, less);
        if parent == 0 {
            break;
        }
        parent -= 1;
    }
    let mut last = len;
    while last > 1 {
        last -= 1;
        let value = v[last];
        v[last] = v[0];
        adjust_heap(v, 0, last, value, less);
    }
}

fn adjust_heap(
    v: &mut [usize],
    mut hole: usize,
    len: usize,
    value: usize,
    less: &dyn Fn(usize, usize) -> bool,
) {
    let top = hole;
    let mut second = hole;
    while second < (len - 1) / 2 {
        second = 2 * (second + 1);
        if less(v[second], v[second - 1]) {
            second -= 1;
        }
        v[hole] = v[second];
        hole = second;
    }
    if len & 1 == 0 && second == (len - 2) / 2 {
        second = 2 * (second + 1);
        v[hole] = v[second - 1];
        hole = second - 1;
    }
    // __push_heap
    let mut parent = hole.wrapping_sub(1) / 2;
    while hole > top && less(v[parent], value) {
        v[hole] = v[parent];
        hole = parent;
        parent = hole.wrapping_sub(1) / 2;
    }
    v[hole] = value;
}

/// `np.argsort(v)` as NumPy 2.x computes it on an AVX-512 x86-64 CPU.
pub fn argsort_f64(v: &[f64]) -> Vec<usize> {
    let n = v.len();
    let mut arg: Vec<usize> = (0..n).collect();
    if n <= 1 {
        return arg;
    }
    if v.iter().any(|x| x.is_nan()) {
        arg.sort_by(|&a, &b| match (v[a].is_nan(), v[b].is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => v[a].partial_cmp(&v[b]).unwrap_or(std::cmp::Ordering::Equal),
        });
        return arg;
    }
    let max_iters = 2 * (n as f64).log2() as i64;
    argsort_rec(v, &mut arg, 0, n - 1, max_iters);
    arg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts() {
        let v = [3.0, 1.0, 2.0, 5.0, 4.0, 0.0, 9.0, 7.0, 8.0, 6.0];
        let a = argsort_f64(&v);
        let s: Vec<f64> = a.iter().map(|&i| v[i]).collect();
        assert_eq!(s, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        let big: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let a = argsort_f64(&big);
        assert!(a.windows(2).all(|w| big[w[0]] <= big[w[1]]));
        let mut seen = a.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn numpy_tie_order() {
        // np.argsort on this array (NumPy 2.4.6, AVX-512): ties are not in index order.
        let v = [
            2., 1., 1., 0., 0., 0., 0., 0., 0., 2., 1., 2., 1., 1., 2., 2., 1., 1., 1., 2., 0., 2.,
            2., 0., 1., 2., 1., 0., 2., 2., 2., 0., 0., 2., 0., 1., 0., 0., 1., 1., 1., 0., 0., 0.,
            0., 2., 1., 1., 0., 1.,
        ];
        let expect = [
            3, 6, 5, 4, 7, 8, 20, 23, 27, 31, 43, 44, 36, 37, 34, 32, 41, 42, 48, 16, 39, 35, 40,
            17, 24, 26, 12, 18, 13, 10, 2, 1, 47, 46, 49, 38, 30, 29, 28, 25, 11, 9, 14, 0, 21, 19,
            22, 15, 45, 33,
        ];
        assert_eq!(argsort_f64(&v), expect.to_vec());
    }
}
