//! Our [`linfa_nn::NearestNeighbour`]: the bridge that lets linfa-clustering's DBSCAN run on
//! the indexes of [`crate::index`].
//!
//! linfa's DBSCAN asks one `within_range(point, tolerance)` at a time, single-threaded. So
//! when linfa builds the index (`from_batch`) we build ours (exact or IVF) and answer every
//! range query of the batch at the DBSCAN radius in one parallel, cache-blocked pass; the
//! queries DBSCAN then asks are look-ups. A query for another radius or a point that is not a
//! row of the batch falls back to a brute-force scan with linfa's own distance function.
//!
//! Semantics are those of linfa's `LinearSearch`: with `L2Dist` the tolerance is a plain
//! (not squared) distance and a point is in range when `‖a − b‖ < tolerance` (strict), which
//! includes the point itself; DBSCAN counts it towards `min_points`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use linfa::Float;
use linfa_nn::distance::Distance;
use linfa_nn::{BuildError, NearestNeighbour, NearestNeighbourIndex, NnError};
use ndarray::{ArrayBase, ArrayView1, ArrayView2, Data, Ix2};

use crate::index::{Graph, Index, Plan};
use crate::kernel::Matrix;

/// Builds an exact or IVF index over the caller's `f32` rows and precomputes the range graph
/// at `eps`. Timings land in `index_ms` (quantiser) and `graph_ms` (all range queries).
#[derive(Debug)]
pub(crate) struct GraphNn<'p> {
    pub(crate) data: &'p [f32],
    pub(crate) dim: usize,
    pub(crate) eps: f32,
    pub(crate) plan: Plan,
    pub(crate) cancel: &'p AtomicBool,
    pub(crate) index_ms: &'p AtomicU64,
    pub(crate) graph_ms: &'p AtomicU64,
}

impl GraphNn<'_> {
    /// The range graph of `data` at `eps`, or `None` if cancelled.
    fn graph(&self) -> Option<Graph> {
        let t0 = Instant::now();
        tracing::debug!(rss_kib = rss_kib(), "building index");
        let m = Matrix::new(self.data, self.dim);
        let ids: Vec<u32> = (0..m.len() as u32).collect();
        let index = Index::build(&m, &ids, self.plan, self.cancel).ok()?;
        let t1 = Instant::now();
        tracing::debug!(rss_kib = rss_kib(), "index built");
        self.index_ms.store(ms(t1 - t0), Ordering::Relaxed);
        tracing::debug!(rss_kib = rss_kib(), "before range graph");
        let graph = index.range_graph(&m, self.eps, self.cancel).ok();
        tracing::debug!(rss_kib = rss_kib(), "range graph");
        self.graph_ms.store(ms(t1.elapsed()), Ordering::Relaxed);
        graph
    }
}

/// Resident memory now (Linux), for debug logs.
pub(crate) fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

pub(crate) fn ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl NearestNeighbour for GraphNn<'_> {
    fn from_batch_with_leaf_size<'a, F: Float, DT: Data<Elem = F>, D: 'a + Distance<F>>(
        &self,
        batch: &'a ArrayBase<DT, Ix2>,
        _leaf_size: usize,
        dist_fn: D,
    ) -> Result<Box<dyn 'a + Send + Sync + NearestNeighbourIndex<F>>, BuildError> {
        if batch.ncols() == 0 {
            return Err(BuildError::ZeroDimension);
        }
        let ours = std::ptr::eq(batch.as_ptr().cast::<u8>(), self.data.as_ptr().cast::<u8>())
            && batch.nrows() * batch.ncols() == self.data.len()
            && batch.ncols() == self.dim
            && batch.is_standard_layout()
            && std::mem::size_of::<F>() == std::mem::size_of::<f32>();
        let graph = if ours {
            // Cancelled: an empty graph makes DBSCAN finish at once (all noise); the caller
            // checks the flag afterwards.
            Some(self.graph().unwrap_or_default())
        } else {
            None
        };
        let eps = F::from_f32(self.eps).unwrap_or_else(F::zero);
        Ok(Box::new(GraphIndex {
            batch: batch.view(),
            graph,
            eps,
            dist_fn,
        }))
    }
}

/// The built index linfa queries.
struct GraphIndex<'a, F: Float, D: Distance<F>> {
    batch: ArrayView2<'a, F>,
    graph: Option<Graph>,
    eps: F,
    dist_fn: D,
}

impl<F: Float, D: Distance<F>> GraphIndex<'_, F, D> {
    /// The batch row `point` is a view of, if any.
    fn row_of(&self, point: &ArrayView1<'_, F>) -> Option<usize> {
        let size = std::mem::size_of::<F>();
        let row_bytes = self.batch.ncols() * size;
        let base = self.batch.as_ptr() as usize;
        let p = point.as_ptr() as usize;
        if point.len() != self.batch.ncols() || p < base || row_bytes == 0 {
            return None;
        }
        let off = p - base;
        let row = off / row_bytes;
        (off.is_multiple_of(row_bytes) && row < self.batch.nrows() && point.strides() == [1])
            .then_some(row)
    }
}

impl<F: Float, D: Distance<F>> NearestNeighbourIndex<F> for GraphIndex<'_, F, D> {
    fn k_nearest(
        &self,
        point: ArrayView1<'_, F>,
        k: usize,
    ) -> Result<Vec<(ArrayView1<'_, F>, usize)>, NnError> {
        if point.len() != self.batch.ncols() {
            return Err(NnError::WrongDimension);
        }
        let mut all: Vec<(F, usize)> = self
            .batch
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, r)| (self.dist_fn.rdistance(point.view(), r), i))
            .collect();
        all.sort_by(|a, b| {
            a.0.partial_cmp(&b.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.1.cmp(&b.1))
        });
        Ok(all
            .into_iter()
            .take(k)
            .map(|(_, i)| (self.batch.row(i), i))
            .collect())
    }

    fn within_range(
        &self,
        point: ArrayView1<'_, F>,
        range: F,
    ) -> Result<Vec<(ArrayView1<'_, F>, usize)>, NnError> {
        if point.len() != self.batch.ncols() {
            return Err(NnError::WrongDimension);
        }
        if let (Some(graph), Some(row)) = (&self.graph, self.row_of(&point)) {
            if range == self.eps {
                return Ok(graph
                    .of(row)
                    .iter()
                    .map(|&j| (self.batch.row(j as usize), j as usize))
                    .collect());
            }
        }
        let r = self.dist_fn.dist_to_rdist(range);
        Ok(self
            .batch
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(_, row)| self.dist_fn.rdistance(point.view(), row.view()) < r)
            .map(|(i, row)| (row, i))
            .collect())
    }
}
