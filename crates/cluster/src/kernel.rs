//! Distance kernels written so the compiler vectorises them: eight independent accumulators
//! (floating-point sums are not reassociated otherwise), and squared norms precomputed once so
//! a block of candidate distances costs one dot product each (‖a‖² + ‖b‖² − 2a·b).

/// Dot product with eight independent lanes.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Squared L2 distance with eight independent lanes. This is the distance every decision
/// (DBSCAN neighbourhood, merge, attach) is finally made on, so results never depend on which
/// index found the candidate.
#[inline]
pub(crate) fn l2sq(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s
}

/// A row-major `n × dim` matrix borrowed from the caller, with its rows' squared norms.
#[derive(Debug)]
pub(crate) struct Matrix<'a> {
    pub(crate) data: &'a [f32],
    pub(crate) dim: usize,
    pub(crate) norms: std::borrow::Cow<'a, [f32]>,
}

/// Squared norms of the rows of `data`.
pub(crate) fn norms(data: &[f32], dim: usize) -> Vec<f32> {
    data.chunks_exact(dim.max(1)).map(|r| dot(r, r)).collect()
}

impl<'a> Matrix<'a> {
    pub(crate) fn new(data: &'a [f32], dim: usize) -> Self {
        Matrix {
            data,
            dim,
            norms: norms(data, dim).into(),
        }
    }

    /// A matrix whose squared norms are already known.
    pub(crate) fn with_norms(data: &'a [f32], dim: usize, norms: &'a [f32]) -> Self {
        Matrix {
            data,
            dim,
            norms: norms.into(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.norms.len()
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// One query against four rows: the query's loads are shared (a 1 × 4 micro-kernel).
#[inline]
pub(crate) fn dot4(q: &[f32], r: [&[f32]; 4]) -> [f32; 4] {
    let mut acc = [[0f32; 4]; 4];
    let n4 = q.len() / 4 * 4;
    let mut i = 0;
    while i < n4 {
        let qq = &q[i..i + 4];
        for (a, row) in acc.iter_mut().zip(&r) {
            let rr = &row[i..i + 4];
            for l in 0..4 {
                a[l] += qq[l] * rr[l];
            }
        }
        i += 4;
    }
    let mut out = [0f32; 4];
    for (o, (a, row)) in out.iter_mut().zip(acc.iter().zip(&r)) {
        *o = (a[0] + a[2]) + (a[1] + a[3]);
        for k in n4..q.len() {
            *o += q[k] * row[k];
        }
    }
    out
}

#[inline]
fn check(
    m: &Matrix<'_>,
    q: u32,
    qr: &[f32],
    nq: f32,
    p: u32,
    dot: f32,
    eps2: f32,
    out: &mut Vec<(u32, u32)>,
) {
    let pi = p as usize;
    let np = m.norms[pi];
    let approx = nq + np - 2.0 * dot;
    // Slack for the rounding error of the norm trick (norms ≈ 2, f32): anything within it
    // is re-checked exactly, so the answer equals a plain brute force.
    let slack = 1e-4 * (nq + np) + 1e-6;
    if approx < eps2 + slack && l2sq(qr, m.row(pi)) < eps2 {
        out.push((q, p));
    }
}

/// Rows per query tile and per member tile of the blocked range search: a member tile of
/// 256 × 128 floats (128 KiB) stays in L2 while a query tile streams over it.
const QUERY_TILE: usize = 32;
const MEMBER_TILE: usize = 256;

/// Appends `(q, p)` for every query `q` in `queries` and member `p` in `members` with
/// `‖q − p‖² < eps2`. Candidates are found with the norm trick and confirmed with [`l2sq`].
pub(crate) fn range_block(
    m: &Matrix<'_>,
    queries: &[u32],
    members: &[u32],
    eps2: f32,
    out: &mut Vec<(u32, u32)>,
) {
    for qt in queries.chunks(QUERY_TILE) {
        for mt in members.chunks(MEMBER_TILE) {
            for &q in qt {
                let qi = q as usize;
                let qr = m.row(qi);
                let nq = m.norms[qi];
                let quads = mt.chunks_exact(4);
                let rest = quads.remainder();
                for quad in quads {
                    let ps = [
                        quad[0] as usize,
                        quad[1] as usize,
                        quad[2] as usize,
                        quad[3] as usize,
                    ];
                    let dots = dot4(qr, [m.row(ps[0]), m.row(ps[1]), m.row(ps[2]), m.row(ps[3])]);
                    for j in 0..4 {
                        check(m, q, qr, nq, quad[j], dots[j], eps2, out);
                    }
                }
                for &p in rest {
                    check(m, q, qr, nq, p, dot(qr, m.row(p as usize)), eps2, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_naive_sums() {
        let a: Vec<f32> = (0..131).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..131).map(|i| (i as f32 * 0.11).cos()).collect();
        let d: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let l: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((dot(&a, &b) - d).abs() < 1e-3);
        assert!((l2sq(&a, &b) - l).abs() < 1e-3);
        let d4 = dot4(&a, [&b, &a, &b, &a]);
        assert!((d4[0] - d).abs() < 1e-3 && (d4[1] - dot(&a, &a)).abs() < 1e-3);
    }
}
