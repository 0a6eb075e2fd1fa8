//! MTCNN detector (placeholder, being written).
