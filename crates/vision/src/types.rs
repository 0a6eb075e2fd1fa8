//! Plain data passed between pipeline stages. Not `Serialize`: DTOs are made at the edge.

/// A point in oriented-image pixel coordinates (x = column, y = row).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// A face box in the MTCNN reference frame: `[x1, y1, x2, y2]` as the reference
/// implementation reports them (not clipped to the image).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaceBox {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

impl FaceBox {
    pub fn width(&self) -> f64 {
        self.x2 - self.x1
    }
    pub fn height(&self) -> f64 {
        self.y2 - self.y1
    }
    pub fn area(&self) -> f64 {
        self.width().max(0.0) * self.height().max(0.0)
    }
    /// `[x1, y1, x2, y2]`.
    pub fn corners(&self) -> [f64; 4] {
        [self.x1, self.y1, self.x2, self.y2]
    }
    /// Intersection over union with areas `(x2-x1)*(y2-y1)` (`likeness_geometry::iou`).
    pub fn iou(&self, other: &FaceBox) -> f64 {
        likeness_geometry::iou(self.corners(), other.corners())
    }
}

/// One detected face: box, detector confidence and five landmarks in MTCNN order
/// (eye on the image's left, eye on the image's right, nose tip, mouth corner image-left,
/// mouth corner image-right).
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub bbox: FaceBox,
    pub score: f32,
    pub landmarks: [Point; 5],
}

/// A face descriptor from an embedding model.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(pub Vec<f32>);

impl Embedding {
    /// Euclidean distance, the decision rule of the dlib model (< 0.6 = same person).
    pub fn distance(&self, other: &Embedding) -> f32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }
}
