//! A bit-exact port of OpenCV's `cv::resize(src, dst, dsize, 0, 0, INTER_AREA)` for interleaved
//! images, as the MTCNN reference calls it (OpenCV 5.0.0, x86-64 build without IPP for this
//! interpolation): on `uint8` pyramid levels and on zero-padded `float64` candidate crops.
//!
//! What OpenCV does, and what is reproduced here:
//!
//! * `dsize == ssize`: a plain copy.
//! * `inv_scale = dsize / ssize` (double), `scale = 1 / inv_scale`; `iscale = cvRound(scale)`;
//!   "fast" when both `|scale − iscale| < DBL_EPSILON`.
//! * **Shrinking on both axes** (`scale_x ≥ 1 && scale_y ≥ 1`):
//!   * integer factors → `resizeAreaFast_`: a box average. For `uint8` with a 2×2 factor (and
//!     1, 3 or 4 channels) it is `(a + b + c + d + 2) >> 2`; otherwise the integer (u8) or
//!     double (f64) sum times `float(1/area)`, rounded half-to-even for u8. The double sum
//!     is accumulated four terms at a time (`sum += a + b + c + d`), as the unrolled loop does.
//!   * otherwise → `resizeArea_` with `computeResizeAreaTab` weights (float), accumulated
//!     in `float` for u8 (then `cvRound`, saturated) and in `double` for f64: each source
//!     row is first reduced horizontally (`buf += S·α`), then the rows are combined
//!     (`sum = β₀·buf₀; sum += β₁·buf₁ …`).
//! * **Enlarging on at least one axis**: INTER_AREA falls back to OpenCV's linear resize
//!   with "area-mode" coefficients: `sx = floor(dx·scale_x)`,
//!   `fx = float((dx+1) − (sx+1)·inv_scale_x)`, `fx = fx ≤ 0 ? 0 : fx − floor(fx)`, weights
//!   `(1 − fx, fx)` as float; the rightmost columns whose second tap would fall outside copy
//!   the last source pixel, the last row is clamped. For f64 the products and sums are in
//!   double with float weights. MTCNN's RNet/ONet crops are often enlarged to 24/48 this way.
//!
//! The `uint8` enlarging path (OpenCV's 11-bit fixed-point bilinear) is only approximated here
//! (it is never reached with MTCNN's default minimum face size of 20 px or more).

/// A source of rows for the f64 path, so that padded crops need not be materialised.
pub trait RowSource {
    /// Width in pixels.
    fn width(&self) -> usize;
    /// Height in pixels.
    fn height(&self) -> usize;
    /// Channels per pixel.
    fn channels(&self) -> usize;
    /// Writes row `y` (`width·channels` values) into `out`.
    fn fill_row(&self, y: usize, out: &mut [f64]);
}

/// A dense interleaved f64 image.
#[derive(Debug, Clone, Copy)]
pub struct F64Image<'a> {
    pub data: &'a [f64],
    pub width: usize,
    pub height: usize,
    pub channels: usize,
}

impl RowSource for F64Image<'_> {
    fn width(&self) -> usize {
        self.width
    }
    fn height(&self) -> usize {
        self.height
    }
    fn channels(&self) -> usize {
        self.channels
    }
    fn fill_row(&self, y: usize, out: &mut [f64]) {
        let n = self.width * self.channels;
        out[..n].copy_from_slice(&self.data[y * n..(y + 1) * n]);
    }
}

/// One weight of `computeResizeAreaTab`.
#[derive(Debug, Clone, Copy)]
struct AreaTab {
    /// Destination index (already multiplied by the channel count for x).
    di: usize,
    /// Source index (already multiplied by the channel count for x).
    si: usize,
    alpha: f32,
}

/// How OpenCV will resize `ssize` to `dsize`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plan {
    Copy,
    AreaFast {
        ix: usize,
        iy: usize,
    },
    Area {
        scale_x: f64,
        scale_y: f64,
    },
    Linear {
        scale_x: f64,
        scale_y: f64,
        inv_x: f64,
        inv_y: f64,
    },
}

/// `cvRound(double)` (round half to even), saturated to `i32`.
fn cv_round(v: f64) -> i64 {
    v.round_ties_even() as i64
}

fn plan(sw: usize, sh: usize, dw: usize, dh: usize) -> Plan {
    if sw == dw && sh == dh {
        return Plan::Copy;
    }
    let inv_x = dw as f64 / sw as f64;
    let inv_y = dh as f64 / sh as f64;
    let scale_x = 1.0 / inv_x;
    let scale_y = 1.0 / inv_y;
    let ix = cv_round(scale_x);
    let iy = cv_round(scale_y);
    let fast =
        (scale_x - ix as f64).abs() < f64::EPSILON && (scale_y - iy as f64).abs() < f64::EPSILON;
    if scale_x >= 1.0 && scale_y >= 1.0 {
        if fast {
            return Plan::AreaFast {
                ix: ix as usize,
                iy: iy as usize,
            };
        }
        return Plan::Area { scale_x, scale_y };
    }
    Plan::Linear {
        scale_x,
        scale_y,
        inv_x,
        inv_y,
    }
}

/// `computeResizeAreaTab`.
fn area_tab(ssize: usize, dsize: usize, cn: usize, scale: f64, tab: &mut Vec<AreaTab>) {
    tab.clear();
    let ssize_i = ssize as i64;
    for dx in 0..dsize {
        let fsx1 = dx as f64 * scale;
        let fsx2 = fsx1 + scale;
        let cell_width = scale.min(ssize as f64 - fsx1);
        let mut sx1 = fsx1.ceil() as i64;
        let mut sx2 = fsx2.floor() as i64;
        sx2 = sx2.min(ssize_i - 1);
        sx1 = sx1.min(sx2);
        if sx1 as f64 - fsx1 > 1e-3 {
            tab.push(AreaTab {
                di: dx * cn,
                si: (sx1 - 1).max(0) as usize * cn,
                alpha: ((sx1 as f64 - fsx1) / cell_width) as f32,
            });
        }
        let mut sx = sx1;
        while sx < sx2 {
            tab.push(AreaTab {
                di: dx * cn,
                si: sx.max(0) as usize * cn,
                alpha: (1.0 / cell_width) as f32,
            });
            sx += 1;
        }
        if fsx2 - sx2 as f64 > 1e-3 {
            tab.push(AreaTab {
                di: dx * cn,
                si: sx2.max(0) as usize * cn,
                alpha: ((fsx2 - sx2 as f64).min(1.0).min(cell_width) / cell_width) as f32,
            });
        }
    }
}

/// Area-mode linear coefficients for one axis: `(offset, weight0, weight1)` per destination
/// index, and `limit` = first destination index from which the source pixel is copied.
/// OpenCV clamps only the x axis this way (`is_x`); rows are clamped later, keeping `fy`.
fn linear_axis(
    ssize: usize,
    dsize: usize,
    scale: f64,
    inv: f64,
    is_x: bool,
) -> (Vec<(usize, f32, f32)>, usize) {
    let mut out = Vec::with_capacity(dsize);
    let mut limit = dsize;
    for d in 0..dsize {
        let mut s = (d as f64 * scale).floor() as i64;
        let mut f = ((d as i64 + 1) as f64 - (s + 1) as f64 * inv) as f32;
        f = if f <= 0.0 { 0.0 } else { f - f.floor() };
        if is_x && s < 0 {
            f = 0.0;
            s = 0;
        }
        if is_x && s + 1 >= ssize as i64 {
            limit = limit.min(d);
            if s >= ssize as i64 - 1 {
                f = 0.0;
                s = ssize as i64 - 1;
            }
        }
        out.push((s.max(0) as usize, 1.0 - f, f));
    }
    (out, limit)
}

/// Resizes an interleaved `u8` image like `cv2.resize(src, (dw, dh), interpolation=INTER_AREA)`.
/// `dst` is resized to `dw·dh·cn`. Zero-sized inputs or outputs give an empty or zero image.
pub fn resize_area_u8(
    src: &[u8],
    sw: usize,
    sh: usize,
    cn: usize,
    dw: usize,
    dh: usize,
    dst: &mut Vec<u8>,
) {
    dst.clear();
    dst.resize(dw * dh * cn, 0);
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 || cn == 0 || src.len() < sw * sh * cn {
        return;
    }
    let srow = sw * cn;
    let drow = dw * cn;
    match plan(sw, sh, dw, dh) {
        Plan::Copy => dst.copy_from_slice(&src[..sw * sh * cn]),
        Plan::AreaFast { ix, iy } => {
            if ix == 2 && iy == 2 && matches!(cn, 1 | 3 | 4) {
                for dy in 0..dh {
                    let s0 = &src[2 * dy * srow..(2 * dy + 1) * srow];
                    let s1 = &src[(2 * dy + 1) * srow..(2 * dy + 2) * srow];
                    let d = &mut dst[dy * drow..(dy + 1) * drow];
                    for dx in 0..dw {
                        for c in 0..cn {
                            let i = 2 * dx * cn + c;
                            let sum = s0[i] as u32
                                + s0[i + cn] as u32
                                + s1[i] as u32
                                + s1[i + cn] as u32
                                + 2;
                            d[dx * cn + c] = (sum >> 2) as u8;
                        }
                    }
                }
            } else {
                let scale = 1.0f32 / (ix * iy) as f32;
                for dy in 0..dh {
                    let d = &mut dst[dy * drow..(dy + 1) * drow];
                    for dx in 0..dw {
                        for c in 0..cn {
                            let mut sum: i32 = 0;
                            for sy in 0..iy {
                                let row = &src[(dy * iy + sy) * srow..];
                                for sx in 0..ix {
                                    sum += row[(dx * ix + sx) * cn + c] as i32;
                                }
                            }
                            d[dx * cn + c] = sat_u8(sum as f32 * scale);
                        }
                    }
                }
            }
        }
        Plan::Area { scale_x, scale_y } => {
            let mut xtab = Vec::with_capacity(sw * 2);
            let mut ytab = Vec::with_capacity(sh * 2);
            area_tab(sw, dw, cn, scale_x, &mut xtab);
            area_tab(sh, dh, 1, scale_y, &mut ytab);
            let mut buf = vec![0f32; drow];
            let mut sum = vec![0f32; drow];
            // Horizontal pass of the last source row, reused when a row feeds two output rows.
            let mut last_sy = usize::MAX;
            let mut j = 0;
            while j < ytab.len() {
                let dy = ytab[j].di;
                let mut first = true;
                while j < ytab.len() && ytab[j].di == dy {
                    let sy = ytab[j].si;
                    let beta = ytab[j].alpha;
                    if sy != last_sy {
                        let s = &src[sy * srow..(sy + 1) * srow];
                        buf.iter_mut().for_each(|b| *b = 0.0);
                        if cn == 3 {
                            // Same sums in the same order as OpenCV's `buf[di] += S[si]·α`,
                            // with the three accumulators kept in registers.
                            let mut k = 0;
                            while k < xtab.len() {
                                let di = xtab[k].di;
                                let (mut a0, mut a1, mut a2) = (0f32, 0f32, 0f32);
                                while k < xtab.len() && xtab[k].di == di {
                                    let t = xtab[k];
                                    let p = &s[t.si..t.si + 3];
                                    a0 += p[0] as f32 * t.alpha;
                                    a1 += p[1] as f32 * t.alpha;
                                    a2 += p[2] as f32 * t.alpha;
                                    k += 1;
                                }
                                buf[di] = a0;
                                buf[di + 1] = a1;
                                buf[di + 2] = a2;
                            }
                        } else {
                            for t in &xtab {
                                for c in 0..cn {
                                    buf[t.di + c] += s[t.si + c] as f32 * t.alpha;
                                }
                            }
                        }
                        last_sy = sy;
                    }
                    if first {
                        for (s, b) in sum.iter_mut().zip(&buf) {
                            *s = beta * *b;
                        }
                        first = false;
                    } else {
                        for (s, b) in sum.iter_mut().zip(&buf) {
                            *s += beta * *b;
                        }
                    }
                    j += 1;
                }
                if dy < dh {
                    for (d, s) in dst[dy * drow..(dy + 1) * drow].iter_mut().zip(&sum) {
                        *d = sat_u8(*s);
                    }
                }
            }
        }
        Plan::Linear {
            scale_x,
            scale_y,
            inv_x,
            inv_y,
        } => {
            // Approximation of OpenCV's fixed-point path (unused by MTCNN's defaults): the
            // same taps in float, rounded.
            let (xs, xlimit) = linear_axis(sw, dw, scale_x, inv_x, true);
            let (ys, _) = linear_axis(sh, dh, scale_y, inv_y, false);
            for (dy, &(sy, b0, b1)) in ys.iter().enumerate() {
                let r0 = &src[sy * srow..(sy + 1) * srow];
                let sy1 = (sy + 1).min(sh - 1);
                let r1 = &src[sy1 * srow..(sy1 + 1) * srow];
                let d = &mut dst[dy * drow..(dy + 1) * drow];
                for (dx, &(sx, a0, a1)) in xs.iter().enumerate() {
                    for c in 0..cn {
                        let h = |r: &[u8]| -> f32 {
                            if dx < xlimit {
                                r[sx * cn + c] as f32 * a0 + r[(sx + 1) * cn + c] as f32 * a1
                            } else {
                                r[sx * cn + c] as f32
                            }
                        };
                        d[dx * cn + c] = sat_u8(h(r0) * b0 + h(r1) * b1);
                    }
                }
            }
        }
    }
}

/// `saturate_cast<uchar>(float)`: `cvRound` (half to even), clamped.
#[inline]
fn sat_u8(v: f32) -> u8 {
    let r = v.round_ties_even();
    if r.is_nan() || r <= 0.0 {
        0
    } else if r >= 255.0 {
        255
    } else {
        r as u8
    }
}

/// Reusable buffers for [`resize_area_f64`].
#[derive(Debug, Default)]
pub struct F64Scratch {
    row: Vec<f64>,
    row1: Vec<f64>,
    buf: Vec<f64>,
    buf1: Vec<f64>,
    sum: Vec<f64>,
    xtab: Vec<AreaTab>,
    ytab: Vec<AreaTab>,
}

/// Resizes an f64 source like `cv2.resize(src, (dw, dh), interpolation=INTER_AREA)` on a
/// `float64` array. `dst` must hold `dw·dh·channels` values.
pub fn resize_area_f64<S: RowSource>(
    src: &S,
    dw: usize,
    dh: usize,
    dst: &mut [f64],
    scratch: &mut F64Scratch,
) {
    let (sw, sh, cn) = (src.width(), src.height(), src.channels());
    let drow = dw * cn;
    let srow = sw * cn;
    let dst = &mut dst[..dh * drow];
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 || cn == 0 {
        dst.iter_mut().for_each(|d| *d = 0.0);
        return;
    }
    let F64Scratch {
        row,
        row1,
        buf,
        buf1,
        sum,
        xtab,
        ytab,
    } = scratch;
    row.resize(srow, 0.0);
    row1.resize(srow, 0.0);
    match plan(sw, sh, dw, dh) {
        Plan::Copy => {
            for y in 0..sh {
                src.fill_row(y, &mut dst[y * drow..(y + 1) * drow]);
            }
        }
        Plan::AreaFast { ix, iy } => {
            let area = ix * iy;
            let scale = (1.0f32 / area as f32) as f64;
            // ofs order: sy outer, sx inner; summed four at a time (CV_ENABLE_UNROLLED).
            let mut rows: Vec<Vec<f64>> = (0..iy).map(|_| vec![0.0; srow]).collect();
            let mut vals = Vec::with_capacity(area);
            for dy in 0..dh {
                for (k, r) in rows.iter_mut().enumerate() {
                    src.fill_row(dy * iy + k, r);
                }
                for dx in 0..dw {
                    for c in 0..cn {
                        vals.clear();
                        for r in rows.iter() {
                            for sx in 0..ix {
                                vals.push(r[(dx * ix + sx) * cn + c]);
                            }
                        }
                        let mut s = 0.0f64;
                        let mut k = 0;
                        while k + 4 <= area {
                            s += vals[k] + vals[k + 1] + vals[k + 2] + vals[k + 3];
                            k += 4;
                        }
                        while k < area {
                            s += vals[k];
                            k += 1;
                        }
                        dst[dy * drow + dx * cn + c] = s * scale;
                    }
                }
            }
        }
        Plan::Area { scale_x, scale_y } => {
            area_tab(sw, dw, cn, scale_x, xtab);
            area_tab(sh, dh, 1, scale_y, ytab);
            buf.clear();
            buf.resize(drow, 0.0);
            sum.clear();
            sum.resize(drow, 0.0);
            let mut last_sy = usize::MAX;
            let mut j = 0;
            while j < ytab.len() {
                let dy = ytab[j].di;
                let mut first = true;
                while j < ytab.len() && ytab[j].di == dy {
                    let sy = ytab[j].si;
                    let beta = ytab[j].alpha as f64;
                    if sy != last_sy {
                        src.fill_row(sy, row);
                        buf.iter_mut().for_each(|b| *b = 0.0);
                        if cn == 3 {
                            let mut k = 0;
                            while k < xtab.len() {
                                let di = xtab[k].di;
                                let (mut a0, mut a1, mut a2) = (0f64, 0f64, 0f64);
                                while k < xtab.len() && xtab[k].di == di {
                                    let t = xtab[k];
                                    let a = t.alpha as f64;
                                    let p = &row[t.si..t.si + 3];
                                    a0 += p[0] * a;
                                    a1 += p[1] * a;
                                    a2 += p[2] * a;
                                    k += 1;
                                }
                                buf[di] = a0;
                                buf[di + 1] = a1;
                                buf[di + 2] = a2;
                            }
                        } else {
                            for t in xtab.iter() {
                                let a = t.alpha as f64;
                                for c in 0..cn {
                                    buf[t.di + c] += row[t.si + c] * a;
                                }
                            }
                        }
                        last_sy = sy;
                    }
                    if first {
                        for (s, b) in sum.iter_mut().zip(buf.iter()) {
                            *s = beta * *b;
                        }
                        first = false;
                    } else {
                        for (s, b) in sum.iter_mut().zip(buf.iter()) {
                            *s += beta * *b;
                        }
                    }
                    j += 1;
                }
                if dy < dh {
                    dst[dy * drow..(dy + 1) * drow].copy_from_slice(sum);
                }
            }
        }
        Plan::Linear {
            scale_x,
            scale_y,
            inv_x,
            inv_y,
        } => {
            let (xs, xlimit) = linear_axis(sw, dw, scale_x, inv_x, true);
            let (ys, _) = linear_axis(sh, dh, scale_y, inv_y, false);
            buf.clear();
            buf.resize(drow, 0.0);
            buf1.clear();
            buf1.resize(drow, 0.0);
            let hpass = |r: &[f64], out: &mut [f64]| {
                for (dx, &(sx, a0, a1)) in xs.iter().enumerate() {
                    let (a0, a1) = (a0 as f64, a1 as f64);
                    for c in 0..cn {
                        out[dx * cn + c] = if dx < xlimit {
                            r[sx * cn + c] * a0 + r[(sx + 1) * cn + c] * a1
                        } else {
                            r[sx * cn + c]
                        };
                    }
                }
            };
            let (mut have0, mut have1) = (usize::MAX, usize::MAX);
            for (dy, &(sy, b0, b1)) in ys.iter().enumerate() {
                let sy0 = sy.min(sh - 1);
                let sy1 = (sy + 1).min(sh - 1);
                // rows for sy0 and sy1, reusing what the previous output row computed
                if have0 != sy0 {
                    if have1 == sy0 {
                        std::mem::swap(buf, buf1);
                        have0 = sy0;
                        have1 = usize::MAX;
                    } else {
                        src.fill_row(sy0, row);
                        hpass(row, buf);
                        have0 = sy0;
                    }
                }
                if have1 != sy1 {
                    src.fill_row(sy1, row1);
                    hpass(row1, buf1);
                    have1 = sy1;
                }
                let (b0, b1) = (b0 as f64, b1 as f64);
                let d = &mut dst[dy * drow..(dy + 1) * drow];
                for x in 0..drow {
                    d[x] = buf[x] * b0 + buf1[x] * b1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_kinds() {
        assert_eq!(plan(10, 10, 10, 10), Plan::Copy);
        assert_eq!(plan(10, 10, 5, 5), Plan::AreaFast { ix: 2, iy: 2 });
        assert!(matches!(plan(10, 10, 7, 7), Plan::Area { .. }));
        assert!(matches!(plan(10, 10, 24, 24), Plan::Linear { .. }));
        assert!(matches!(plan(30, 20, 24, 24), Plan::Linear { .. }));
    }

    #[test]
    fn two_by_two_rounds_half_up() {
        // (1 + 2 + 2 + 1 + 2) >> 2 = 2, whereas 6 / 4 = 1.5 rounds to even 2, and
        // (1 + 1 + 1 + 2 + 2) >> 2 = 1 (5/4).
        let src = [1u8, 2, 2, 1];
        let mut dst = Vec::new();
        resize_area_u8(&src, 2, 2, 1, 1, 1, &mut dst);
        assert_eq!(dst, vec![2]);
    }

    #[test]
    fn f64_upscale_copies_edges() {
        let data = [0.0, 100.0];
        let img = F64Image {
            data: &data,
            width: 2,
            height: 1,
            channels: 1,
        };
        let mut out = vec![0.0; 4];
        resize_area_f64(&img, 4, 1, &mut out, &mut F64Scratch::default());
        // sx = floor(dx/2); fx = (dx+1) - (sx+1)*2 → 0 or -1 → weights (1, 0): nearest-like.
        assert_eq!(out, vec![0.0, 0.0, 100.0, 100.0]);
    }
}
