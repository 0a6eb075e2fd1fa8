//! dlib-exact face chip extraction (placeholder, being written).
